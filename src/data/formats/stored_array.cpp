#include "data/formats/stored_array.h"

#include <cstring>
#include <stdexcept>

namespace longconv::data {

StoredArray::StoredArray(std::string origin, std::shared_ptr<const void> owner, const char* bytes,
                         torch::ScalarType dtype, std::vector<int64_t> shape, bool fortran_order, bool swap_bytes)
    : origin_(std::move(origin)),
      owner_(std::move(owner)),
      bytes_(bytes),
      dtype_(dtype),
      shape_(std::move(shape)),
      fortran_order_(fortran_order),
      swap_bytes_(swap_bytes && c10::elementSize(dtype) > 1) {
  TORCH_CHECK(owner_ != nullptr, origin_, ": StoredArray without an owner of its bytes");
  for (int64_t d : shape_) TORCH_CHECK(d >= 0, origin_, ": negative dimension in shape ", c10::IntArrayRef(shape_));
}

StoredArray StoredArray::from_tensor(std::string origin, const torch::Tensor& tensor) {
  auto owned = std::make_shared<torch::Tensor>(tensor.to(torch::kCPU).contiguous());
  const char* bytes = static_cast<const char*>(owned->data_ptr());
  return StoredArray(std::move(origin), owned, bytes, owned->scalar_type(), owned->sizes().vec(), false, false);
}

torch::Tensor StoredArray::rows(int64_t begin, int64_t end) const {
  TORCH_CHECK(defined() && !shape_.empty(), origin_, ": rows of an array without a first axis");
  const int64_t n = shape_[0];
  if (begin < 0 || end < begin || end > n)
    throw std::out_of_range(origin_ + ": rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                            ") outside [0, " + std::to_string(n) + ")");
  std::vector<int64_t> out_shape = shape_;
  out_shape[0] = end - begin;
  const auto element = static_cast<int64_t>(c10::elementSize(dtype_));
  int64_t row_elements = 1;
  for (size_t d = 1; d < shape_.size(); ++d) row_elements *= shape_[d];
  torch::Tensor out;
  if (!fortran_order_ || shape_.size() == 1 || end == begin) {
    out = torch::empty(out_shape, torch::TensorOptions().dtype(dtype_));
    if (out.numel() > 0)
      std::memcpy(out.data_ptr(), bytes_ + begin * row_elements * element, static_cast<size_t>(out.nbytes()));
  } else {
    // Column-major: element (i, j...) lies at i + n * j (j the Fortran-order index of the other axes), so each j
    // holds the rows' values in one run. The runs fill [other axes reversed..., rows], then the axes are turned back.
    std::vector<int64_t> reversed(shape_.rbegin(), shape_.rend() - 1);
    reversed.push_back(end - begin);
    torch::Tensor runs = torch::empty(reversed, torch::TensorOptions().dtype(dtype_));
    auto* dst = static_cast<char*>(runs.data_ptr());
    const int64_t run_bytes = (end - begin) * element;
    for (int64_t j = 0; j < row_elements; ++j)
      std::memcpy(dst + j * run_bytes, bytes_ + (begin + n * j) * element, static_cast<size_t>(run_bytes));
    std::vector<int64_t> axes;
    for (int64_t d = runs.dim() - 1; d >= 0; --d) axes.push_back(d);
    out = runs.permute(axes).contiguous();
  }
  if (swap_bytes_ && out.numel() > 0) {
    torch::Tensor bytes = out.view(torch::kUInt8).view({-1, element});
    bytes.copy_(bytes.flip({1}));
  }
  return out;
}

}  // namespace longconv::data
