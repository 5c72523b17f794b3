// safetensors (huggingface format): 8-byte little-endian header length, JSON header, raw little-endian data.
// Supported dtypes: F64, F32, F16, BF16, I64, I32, U8, BOOL. `__metadata__` is a string->string map.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <torch/torch.h>

namespace longconv::io {

struct Safetensors {
  std::map<std::string, torch::Tensor> tensors;  // CPU, contiguous
  std::map<std::string, std::string> metadata;   // "__metadata__"
};

// Throws std::runtime_error "<path>: <fault>" for every malformed input: truncated file, header length past the end,
// bad JSON, a duplicate key, missing/ill-typed fields, unknown dtype, offsets out of range / overlapping / not covering
// the data, shape not matching the byte count.
Safetensors read_safetensors(const std::string& path);
// Parses an in-memory image; `origin` names it in errors.
Safetensors parse_safetensors(const std::string& bytes, const std::string& origin);

// Where one tensor's bytes lie in a safetensors image.
struct SafetensorsEntry {
  torch::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t offset = 0;  // from the start of the image
  uint64_t nbytes = 0;
};

struct SafetensorsLayout {
  std::map<std::string, SafetensorsEntry> tensors;
  std::map<std::string, std::string> metadata;
};

// The header of an image, with every check read_safetensors makes, without copying any tensor's data: for readers
// that map the file and read the tensors in place (io/mapped_file.h).
SafetensorsLayout parse_safetensors_layout(std::string_view image, const std::string& origin);

// Writes atomically (temp + rename). Tensors are made contiguous and moved to CPU; unsupported dtypes are an error.
void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace longconv::io
