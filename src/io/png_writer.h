// PNG files from uint8 images through libpng.
#pragma once

#include <string>

#include <torch/torch.h>

namespace longconv::io {

// The PNG bytes of `image`: uint8 [C, H, W] with C = 1 (grey) or 3 (RGB), 8 bits per sample.
std::string encode_png(const torch::Tensor& image);

// encode_png written atomically to `path`; errors name the path.
void write_png(const std::string& path, const torch::Tensor& image);

}  // namespace longconv::io
