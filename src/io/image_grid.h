// Images for viewing: model pixels in [-1, 1] to uint8, and a batch tiled into one grid image (torchvision's
// save_image with padding 0).
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace longconv::io {

// x in [-1, 1] (the mixture's pixel scale) -> uint8 as save_image(0.5 * x + 0.5) rounds: floor(255 v + 0.5).
torch::Tensor pixels_to_uint8(const torch::Tensor& x);

// images [N, C, H, W] -> [C, rows * H, nrow * W], row-major, empty cells zero.
torch::Tensor image_grid(const torch::Tensor& images, int64_t nrow);

}  // namespace longconv::io
