// Dataset interface: indexed examples, collated into batches by the loader.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "util/enum_names.h"
#include "util/option_check.h"

namespace longconv::data {

// One example. x: float features [C, L] (sequence), [C, H, W] (image) ..., or int64 tokens [L].
// y: int64 scalar class (or [L] classes, one per step), or float [K] for multi-label and regression targets. length:
// valid steps (<= L) for padded token sequences, -1 when every step is valid.
// Point clouds: x [N, C] (features per point), and the neighbourhoods the point convs read (the reference's
// PreprocessDistances): rel_pos [N, N, 3] float (pos_i - pos_j) and sorted_indices [N, K] int64 (row i: the K
// nearest points to i by distance, i first). Both are undefined for every other dataset.
struct Example {
  torch::Tensor x;
  torch::Tensor y;
  int64_t length = -1;
  torch::Tensor rel_pos = {};
  torch::Tensor sorted_indices = {};
};

// A batch: x [B, ...], y [B] (int64) or [B, K] (float), lengths [B] int64 or undefined when all steps are valid;
// rel_pos [B, N, N, 3] and sorted_indices [B, N, K] for point clouds (per cloud: indices are not offset).
struct Batch {
  torch::Tensor x;
  torch::Tensor y;
  torch::Tensor lengths;
  torch::Tensor rel_pos = {};
  torch::Tensor sorted_indices = {};
  int64_t size() const { return x.size(0); }
};

// What a task's learning problem looks like; training fills data-dependent net keys from it.
// Classification: y int64 [] (one class per example) or [L] (one per step, logits [B, classes, L]).
// Regression: y float [K], mean squared error.
enum class Task { Classification, MultiLabel, Density, Regression };

// dataset.task of the image datasets that also serve autoregressive density estimation.
extern const EnumNames<Task> kDensityTaskNames;  // "classification", "density"
extern const char* const kDensityTaskHelp;

struct DatasetInfo {
  Task task = Task::Classification;
  int64_t d_input = 1;                 // channels of x (1 for token inputs)
  int64_t d_output = 0;                // classes / labels / output channels
  int64_t n_tokens = 0;                // vocabulary size for token inputs, 0 for float inputs
  int64_t max_length = 0;              // sequence length (flattened spatial size for images)
  std::vector<int64_t> spatial_shape;  // e.g. {784} for a sequence, {28, 28} for an image
  int64_t data_dim() const { return static_cast<int64_t>(spatial_shape.size()); }
  // Per-channel statistics the inputs are standardised with, when the dataset computes them from its training split
  // (or is given them): the run stores them in its config so that evaluating it standardises as training did.
  // Empty for datasets with fixed statistics.
  std::vector<double> channel_mean, channel_std;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // `rng` is non-null only when training-time augmentation should be applied; it is seeded per (seed, epoch, index),
  // so augmentation is reproducible and independent of prefetch threads.
  virtual Example get(int64_t index, std::mt19937_64* rng) const = 0;
  // Stacks examples; lengths are filled when any example has length >= 0.
  virtual Batch collate(const std::vector<Example>& examples) const;
};

// A view of `indices` of another dataset (train/validation split).
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index, std::mt19937_64* rng) const override;
  Batch collate(const std::vector<Example>& examples) const override { return base_->collate(examples); }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<int64_t> indices_;
};

// Seeded split of [0, n) into (train, val) index lists; val gets round(n * val_fraction) items.
std::pair<std::vector<int64_t>, std::vector<int64_t>> split_indices(int64_t n, double val_fraction, uint64_t seed);

struct Splits {
  std::shared_ptr<const Dataset> train;
  std::shared_ptr<const Dataset> val;  // may be null when val_split = 0 and the dataset has no validation set
  std::shared_ptr<const Dataset> test;
  DatasetInfo info;
};

// How a dataset without its own validation set holds one out of its training set.
struct SplitOptions {
  double val_split = 0.1;  // fraction of the training examples; 0 leaves Splits::val null
  uint64_t split_seed = 42;
};
extern const Constraint kValSplit;  // [0, 1)
void validate(const SplitOptions& options);

// Train/validation split of a full training set by `split` (seeded), plus the test set.
Splits split_train(std::shared_ptr<const Dataset> full_train, std::shared_ptr<const Dataset> test,
                   const SplitOptions& split);

}  // namespace longconv::data
