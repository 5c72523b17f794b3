// The UCR/UEA time-series classification archive's file formats (timeseriesclassification.com):
//   .ts  (sktime/UEA): '#' comments, @-tags (@problemName, @timeStamps, @missing, @univariate, @dimensions,
//        @equalLength, @seriesLength, @classLabel true L1 L2 ... or @targetLabel true for regression), then after
//        @data one case per line: the dimensions separated by ':', each a comma-separated list of values, the class
//        label (or target) last. Missing values are '?'.
//   .tsv (UCR 2018): one case per line, the label then the values, tab-separated; unequal-length series are padded
//        with NaN at the end. Univariate.
// Missing values are NaN. A case's length is its longest dimension: in .ts, the values written (a dimension shorter
// than the case is NaN-padded); in .tsv, up to the last value that is not NaN (the archive's padding).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace longconv::data {

struct TimeSeriesTable {
  torch::Tensor values;                   // float32 [cases, dimensions, longest length], NaN where missing or padded
  std::vector<int64_t> lengths;           // per case
  std::vector<std::string> labels;        // per case (classification)
  std::vector<double> targets;            // per case (regression: .ts with @targetLabel true)
  std::vector<std::string> class_labels;  // .ts: the @classLabel list, in its order; .tsv: empty
  bool regression() const { return labels.empty(); }
};

// std::runtime_error "<path>: line N: <what is wrong>" for unknown or malformed tags, timestamped series, a value that
// is not a number, cases whose dimension count differs from the header's or the first case's, labels not in
// @classLabel, or no cases.
TimeSeriesTable read_ts_file(const std::string& path);
TimeSeriesTable read_ucr_tsv(const std::string& path);

}  // namespace longconv::data
