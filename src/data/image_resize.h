// Resizing uint8 images as PIL's Image.resize(size, BILINEAR) does: a triangle filter with half-pixel centres,
// widened by the scale factor when shrinking (antialiased), rounded back to uint8.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace longconv::data {

// uint8 [C, H, W] -> uint8 [C, height, width]; the input itself when the size already matches.
torch::Tensor resize_bilinear(const torch::Tensor& image, int64_t height, int64_t width);

}  // namespace longconv::data
