// Reading inputs the way longconv's datasets read them, so an application feeds a model what it was trained on.
#pragma once

#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace longconv {

// A PNG as uint8 [C, H, W] (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; palettes expand to RGB(A), 16-bit samples keep
// their high byte), as the image datasets (Pathfinder) decode it. std::runtime_error naming the file when it is
// missing or not a valid PNG.
torch::Tensor read_png(const std::string& path);

struct Audio {
  int64_t sample_rate = 0;
  torch::Tensor samples;  // float32 [channels, frames]: 16-bit PCM / 2^15, as Speech Commands' raw features
};

// A WAV file (any PCM libsndfile reads), std::runtime_error naming the file when it is missing or truncated.
Audio read_wav(const std::string& path);

}  // namespace longconv
