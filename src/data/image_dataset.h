// Datasets of small uint8 images (CIFAR, STL-10, Pathfinder): kept as uint8 [N, C, H, W], turned into normalised
// float examples on access, optionally through a per-example transform (resizing, training-time augmentation).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "util/enum_names.h"

namespace longconv::data {

// sequence: x [C, H * W] in raster order; image: x [C, H, W].
enum class ImageLayout { Sequence, Image };

extern const EnumNames<ImageLayout> kImageLayoutNames;  // "sequence", "image"

// uint8 image [C, H, W] -> uint8 image [C, H', W']. rng is null outside training (no augmentation).
using ImageTransform = std::function<torch::Tensor(const torch::Tensor& image, std::mt19937_64* rng)>;

// Per channel pixel -> float: (pixel / 255 - mean[c]) / std[c].
struct PixelNormalization {
  std::vector<double> mean, stddev;
};

class ImageDataset : public Dataset {
 public:
  // images uint8 [N, C, H, W], labels int64 [N]; `name` prefixes error messages.
  ImageDataset(std::string name, torch::Tensor images, torch::Tensor labels, ImageLayout layout,
               const PixelNormalization& normalization, ImageTransform transform = nullptr);

  int64_t size() const override { return images_.size(0); }
  Example get(int64_t index, std::mt19937_64* rng) const override;

 private:
  std::string name_;
  torch::Tensor images_, labels_;
  ImageLayout layout_;
  std::vector<std::array<float, 256>> value_;  // [channel][pixel]
  ImageTransform transform_;
};

// RandomCrop(size, padding, padding_mode="symmetric") then RandomHorizontalFlip(0.5) as torchvision applies them
// to a PIL image: pad each side by `padding` mirroring the edge pixels, take a size x size window at a uniformly
// drawn offset, mirror left-right with probability 1/2.
torch::Tensor random_crop_flip(const torch::Tensor& image, int64_t size, int64_t padding, std::mt19937_64& rng);

// PIL's Image.convert("L") (torchvision's Grayscale on a PIL image): ITU-R 601-2 luma
// L = R * 299/1000 + G * 587/1000 + B * 114/1000 in 16-bit fixed point, rounded.
inline uint8_t pil_luma(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
}

}  // namespace longconv::data
