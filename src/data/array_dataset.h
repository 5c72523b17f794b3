// Datasets whose examples are the rows of arrays: the files of `dataset.name: tensors` (safetensors, .npz, .npy,
// read in place from mappings) and what the folder and UCR/UEA readers decode into memory. Builds train, validation
// and test sets from one to three sets of arrays, holds the missing ones out of the training set (seeded), and
// standardises each input channel with statistics of the training split.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/formats/stored_array.h"

namespace longconv::data {

// x: numbers [N, C, L] / [N, C, H, W] / [N, C, D, H, W] (floats, uint8 read as value / 255, other integers as they
// are; [N, L] is one channel), or tokens [N, L] (an integer type other than uint8). y: [N] or [N, K] as the target
// says. lengths (optional): integers [N] in [1, L], the valid steps of padded sequences.
struct ArraySet {
  StoredArray x, y, lengths;
};

// What y holds. auto: integer y [N] -> classes; integer y [N, L] with L the sequence length -> per_step; other
// integer y [N, K] -> multi_label; float y -> regression.
enum class TargetKind { Auto, Classes, MultiLabel, PerStep, Regression };

struct ArrayDatasetOptions {
  TargetKind target = TargetKind::Auto;
  // Classes (labels must be below it); null: the largest label in any split + 1.
  std::optional<int64_t> classes;
  // Standardise each channel of numeric inputs: (x - mean[c]) / std[c] with the given statistics, or with those of
  // the training split when they are empty (population std; missing values and padding excluded; std 0 -> 1).
  bool normalize = true;
  std::vector<double> mean, stddev;
  // x's spatial axes as one sequence axis in raster order ([C, H * W]), for sequence models on images.
  bool flatten = false;
  double val_split = 0.1;   // held out of the training set when there is no validation set; 0: none
  double test_split = 0.1;  // held out of the training set when there is no test set
  uint64_t split_seed = 42;
};

// `name` prefixes the errors ("tensors: ..."); each array's origin names its file. Missing values (NaN) of numeric
// inputs become 0 after standardisation (the channel's training mean), and steps past a sequence's length become 0.
// Splits::info.channel_mean / channel_std hold the statistics used when normalize is on.
Splits make_array_splits(const std::string& name, const ArraySet& train, const std::optional<ArraySet>& val,
                         const std::optional<ArraySet>& test, const ArrayDatasetOptions& options);

}  // namespace longconv::data
