// An array kept in its file's bytes (a mapped file, a decompressed buffer, a tensor) and converted a range of rows
// (entries of the first axis) at a time, so a dataset larger than memory trains from a mapping. The bytes may be
// unaligned, in either byte order, and in C or Fortran order (NumPy's fortran_order).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace longconv::data {

class StoredArray {
 public:
  StoredArray() = default;
  // `bytes` holds the product of `shape` elements of `dtype` and stays valid while `owner` lives. `origin` names
  // the array in errors ("data.npz: x.npy").
  StoredArray(std::string origin, std::shared_ptr<const void> owner, const char* bytes, torch::ScalarType dtype,
              std::vector<int64_t> shape, bool fortran_order, bool swap_bytes);
  // An array already in memory.
  static StoredArray from_tensor(std::string origin, const torch::Tensor& tensor);

  bool defined() const { return owner_ != nullptr; }
  const std::string& origin() const { return origin_; }
  torch::ScalarType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const { return shape_.at(static_cast<size_t>(d)); }

  // Rows [begin, end) as a new contiguous tensor [end - begin, shape[1:]...] of dtype() in native byte order (never a
  // view of the stored bytes, which may be read-only).
  torch::Tensor rows(int64_t begin, int64_t end) const;
  torch::Tensor row(int64_t index) const { return rows(index, index + 1).select(0, 0); }

 private:
  std::string origin_;
  std::shared_ptr<const void> owner_;
  const char* bytes_ = nullptr;
  torch::ScalarType dtype_ = torch::kFloat32;
  std::vector<int64_t> shape_;
  bool fortran_order_ = false;
  bool swap_bytes_ = false;
};

}  // namespace longconv::data
