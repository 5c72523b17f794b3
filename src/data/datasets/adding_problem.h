// The adding problem (Hochreiter & Schmidhuber 1997), as TCN (Bai et al. 2018) and CKConv generate it: x [2, L] holds
// values uniform in [0, 1) in channel 0 and a marker channel 1 that is 1 at exactly two distinct positions, drawn
// uniformly from all of [0, L), and 0 elsewhere; the target y [1] is the sum of the two marked values. A regression
// task (mean squared error); always predicting 1 scores an MSE of about 1/6, the baseline to beat.
#pragma once

#include <cstdint>

#include "data/generated.h"

namespace longconv::data {

struct AddingProblemOptions {
  int64_t seq_length = 1000;  // L
  GeneratedSizes sizes = {50000, 1000, 0, {}};
};

void validate(const AddingProblemOptions& options);
Splits make_adding_problem_splits(const AddingProblemOptions& options);

struct DatasetType;
DatasetType adding_problem_dataset_type();  // dataset.name: adding_problem

}  // namespace longconv::data
