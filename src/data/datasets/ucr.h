// `dataset.name: ucr`: a problem of the UCR/UEA time-series archive (data/formats/ucr_archive.h) as the archive ships
// it: a folder NAME/ holding NAME_TRAIN.ts and NAME_TEST.ts (UEA, multivariate) or NAME_TRAIN.tsv and NAME_TEST.tsv
// (UCR 2018), or the path of the _TRAIN file. The validation split is held out of TRAIN (and the test split too when
// there is no TEST file). Classes are numbered in @classLabel's order (.ts) or by sorted label (.tsv: numerically
// when every label is a number); .ts files with @targetLabel are regression problems. Unequal lengths become padded
// sequences with lengths; missing values are left out of the statistics and become 0 (data/array_dataset.h).
#pragma once

#include <string>
#include <vector>

#include "data/array_dataset.h"
#include "data/dataset.h"

namespace longconv::data {

struct UcrOptions {
  std::string path;  // NAME/ or NAME/NAME_TRAIN.{ts,tsv}
  ArrayDatasetOptions arrays;
};

// OptionError for an empty path or bad array options.
void validate(const UcrOptions& options);

Splits make_ucr_splits(const UcrOptions& options);

// The class labels in class order (empty for regression problems).
std::vector<std::string> ucr_classes(const UcrOptions& options);

struct DatasetType;
DatasetType ucr_dataset_type();  // dataset.name: ucr

}  // namespace longconv::data
