// Reader for the IDX format of MNIST-family datasets: magic 00 00 <type> <ndim>, ndim big-endian u32 sizes, then
// the big-endian data. Files may be gzip-compressed (detected by content, not by name).
#pragma once

#include <string>

#include <torch/torch.h>

namespace longconv::data {

// Tensor with the file's shape and type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.
// Throws std::runtime_error "<path>: <fault>" for a missing, truncated, corrupt or oversized (> 4 GiB) file.
torch::Tensor read_idx(const std::string& path);

}  // namespace longconv::data
