// Datasets whose examples are the rows of arrays: the files of `dataset.name: tensors` (safetensors, .npz, .npy,
// read in place from mappings) and what the folder and UCR/UEA readers decode into memory. Builds train, validation
// and test sets from one to three sets of arrays, holds the missing ones out of the training set (seeded), and
// standardises each input channel with statistics of the training split.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/binding.h"
#include "data/dataset.h"
#include "data/formats/stored_array.h"
#include "util/enum_names.h"

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
extern const EnumNames<TargetKind> kTargetKindNames;  // auto, classes, multi_label, per_step, regression

struct ArrayDatasetOptions {
  TargetKind target = TargetKind::Auto;
  // Classes (labels must be below it); null: the largest label in any split + 1.
  std::optional<int64_t> classes;
  // Standardise each channel of numeric inputs: (x - mean[c]) / std[c] with the given statistics, or with those of
  // the training split when they are empty (population std; missing values and padding excluded; std 0 -> 1).
  // Training stores the statistics it used as dataset.mean / dataset.std in the run's config.yaml
  // (train/experiment.cpp), so that eval on the run standardises as training did.
  bool normalize = true;
  std::vector<double> mean, stddev;
  // x's spatial axes as one sequence axis in raster order ([C, H * W]), for sequence models on images.
  bool flatten = false;
  // val_split: held out of the training set when there is no validation set (0: none); split_seed seeds both
  // hold-outs.
  SplitOptions split;
  double test_split = 0.1;  // held out of the training set when there is no test set
};

// OptionError for a split fraction outside [0, 1), classes < 1, or unequal numbers of means and stds.
void validate(const ArrayDatasetOptions& options);

// The keys of the array datasets (tensors, folder, ucr), relative to `dataset`: normalize, mean, std, flatten,
// test_split, val_split, split_seed, and with `target_keys` target and classes (folder and ucr take those from the
// files).
Bindings<ArrayDatasetOptions> array_bindings(bool target_keys);

// `name` prefixes the errors ("tensors: ..."); each array's origin names its file. Missing values (NaN) of numeric
// inputs become 0 after standardisation (the channel's training mean), and steps past a sequence's length become 0.
// Splits::info.channel_mean / channel_std hold the statistics used when normalize is on.
Splits make_array_splits(const std::string& name, const ArraySet& train, const std::optional<ArraySet>& val,
                         const std::optional<ArraySet>& test, const ArrayDatasetOptions& options);

}  // namespace longconv::data
