#include "io/image_grid.h"

namespace longconv::io {

torch::Tensor pixels_to_uint8(const torch::Tensor& x) {
  return (0.5 * x + 0.5).mul(255).add_(0.5).clamp_(0, 255).to(torch::kUInt8);
}

torch::Tensor image_grid(const torch::Tensor& images, int64_t nrow) {
  TORCH_CHECK(images.dim() == 4 && images.size(0) >= 1, "image_grid expects images [N, C, H, W], got ", images.sizes());
  TORCH_CHECK(nrow >= 1, "image_grid needs nrow >= 1, got ", nrow);
  const int64_t n = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const int64_t cols = std::min(nrow, n), rows = (n + cols - 1) / cols;
  auto grid = torch::zeros({c, rows * h, cols * w}, images.options());
  for (int64_t i = 0; i < n; ++i) {
    grid.narrow(1, (i / cols) * h, h).narrow(2, (i % cols) * w, w).copy_(images[i]);
  }
  return grid;
}

}  // namespace longconv::io
