// `dataset.name: folder`: one subfolder per class (its name is the label; labels in sorted order) holding WAV audio,
// PNG/JPEG images, or CSV/TSV time series (one row per step, one column per channel; data/formats/numeric_table.h),
// searched recursively. Optional train/, val/ and test/ top folders with the same class subfolders; a missing val/ or
// test/ (or all three) is held out of the training files by a seeded split. Every file is decoded once, when the
// dataset is built, into memory (for data larger than memory, write arrays for `dataset.name: tensors`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/array_dataset.h"
#include "data/dataset.h"

namespace longconv::data {

struct FolderOptions {
  std::string path;
  // WAV: every clip is resampled (libsoxr) to this rate; null: the clips' own rate, which must then be the same.
  std::optional<int64_t> sample_rate;
  // WAV and CSV/TSV: steps per example; longer ones are cut. null: the longest. Shorter ones are zero-padded and
  // carry their lengths.
  std::optional<int64_t> length;
  // Images: [height, width] (or [side]) to resize every image to (bilinear, antialiased as PIL); empty: the images'
  // own size, which must then be the same. Grey images become RGB when any image has colour; alpha is dropped.
  std::vector<int64_t> size;
  ArrayDatasetOptions arrays;
};

// OptionError for an empty path, sample_rate or length < 1, a size that is not [side] or [height, width] of
// positive sizes, or bad array options.
void validate(const FolderOptions& options);

// x: uint8 [3 or 1, H, W] images, float [channels, L] audio (samples / 2^15) or table columns; y: the class index.
// std::runtime_error / std::invalid_argument naming the file for an unreadable or unknown file, folders that mix
// kinds, or files that disagree (channels, rates, image sizes).
Splits make_folder_splits(const FolderOptions& options);

// The class names, in label order.
std::vector<std::string> folder_classes(const std::string& path);

struct DatasetType;
DatasetType folder_dataset_type();  // dataset.name: folder

}  // namespace longconv::data
