// WFDB records (PhysioNet): a text header RECORD.hea naming the signals and their scaling, and the samples in a
// signal file. Only format 16 (little-endian int16, signals interleaved per frame) in one file is read: PTB-XL's.
#pragma once

#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace longconv::data {

struct WfdbRecord {
  int64_t n_signals = 0;
  int64_t n_samples = 0;
  double sampling_frequency = 0;
  torch::Tensor signal;  // float32 [n_signals, n_samples] in physical units: (digital - baseline) / gain
};

// `record` is the path without ".hea" (as PTB-XL's filename_lr column names it). std::runtime_error naming the file
// and what is wrong for a missing or malformed header, an unsupported format, or a signal file of the wrong size.
WfdbRecord read_wfdb_record(const std::string& record);

}  // namespace longconv::data
