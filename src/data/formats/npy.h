// NumPy's .npy format (numpy.lib.format): "\x93NUMPY", version 1.0 / 2.0 / 3.0, a little-endian header length (2
// bytes for 1.0, 4 after), the header (a Python dict literal with exactly 'descr', 'fortran_order' and 'shape',
// padded with spaces and ended by a newline), then the raw data.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <torch/torch.h>

#include "data/formats/stored_array.h"

namespace longconv::data {

struct NpyHeader {
  int major = 1, minor = 0;
  torch::ScalarType dtype = torch::kFloat32;
  bool swap_bytes = false;  // the data's byte order is not the host's
  bool fortran_order = false;
  std::vector<int64_t> shape;
  size_t data_offset = 0;  // where the data starts
};

// Strict: the magic, a known version, a dict with exactly the three keys, descr a plain dtype of bool (b1), int
// (i1, i2, i4, i8), uint8 (u1) or float (f2, f4, f8) in either byte order, shape a tuple of non-negative integers.
// std::runtime_error "<origin>: <what is wrong>" otherwise (structured, string, object, complex and unsigned types
// wider than a byte are refused by name).
NpyHeader parse_npy_header(std::string_view image, const std::string& origin);

// The array of the .npy `image` (header and data, nothing after), read in place from bytes `owner` keeps alive.
StoredArray npy_array(std::string_view image, std::shared_ptr<const void> owner, const std::string& origin);

// A .npy file, memory-mapped (io/mapped_file.h): nothing is read until rows are asked for.
StoredArray read_npy(const std::string& path);

}  // namespace longconv::data
