#include "data/image_dataset.h"

#include <stdexcept>

#include "util/random.h"

namespace longconv::data {

const EnumNames<ImageLayout> kImageLayoutNames = {{"sequence", ImageLayout::Sequence}, {"image", ImageLayout::Image}};

ImageDataset::ImageDataset(std::string name, torch::Tensor images, torch::Tensor labels, ImageLayout layout,
                           const PixelNormalization& normalization, ImageTransform transform)
    : name_(std::move(name)),
      images_(std::move(images)),
      labels_(std::move(labels)),
      layout_(layout),
      transform_(std::move(transform)) {
  TORCH_CHECK(images_.scalar_type() == torch::kUInt8 && images_.dim() == 4, name_,
              ": images must be uint8 [N, C, H, W], got ", images_.scalar_type(), " ", images_.sizes());
  TORCH_CHECK(labels_.scalar_type() == torch::kInt64 && labels_.dim() == 1 && labels_.size(0) == images_.size(0), name_,
              ": labels must be int64 [", images_.size(0), "], got ", labels_.scalar_type(), " ", labels_.sizes());
  const auto channels = static_cast<size_t>(images_.size(1));
  TORCH_CHECK(normalization.mean.size() == channels && normalization.stddev.size() == channels, name_, ": ", channels,
              " channels but normalization has ", normalization.mean.size(), " means and ", normalization.stddev.size(),
              " stds");
  value_.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    TORCH_CHECK(normalization.stddev[c] > 0.0, name_, ": std of channel ", c, " must be > 0, got ",
                normalization.stddev[c]);
    for (int v = 0; v < 256; ++v)
      value_[c][static_cast<size_t>(v)] =
          static_cast<float>((v / 255.0 - normalization.mean[c]) / normalization.stddev[c]);
  }
}

Example ImageDataset::get(int64_t index, std::mt19937_64* rng) const {
  if (index < 0 || index >= size())
    throw std::out_of_range(name_ + ": index " + std::to_string(index) + " outside [0, " + std::to_string(size()) +
                            ")");
  torch::Tensor image = images_[index];
  if (transform_) image = transform_(image, rng);
  image = image.contiguous();
  const int64_t channels = image.size(0), pixels = image.size(1) * image.size(2);
  Example e;
  e.x = torch::empty(image.sizes(), torch::kFloat32);
  const uint8_t* src = image.data_ptr<uint8_t>();
  float* dst = e.x.data_ptr<float>();
  for (int64_t c = 0; c < channels; ++c) {
    const auto& value = value_[static_cast<size_t>(c)];
    for (int64_t k = 0; k < pixels; ++k) dst[c * pixels + k] = value[src[c * pixels + k]];
  }
  if (layout_ == ImageLayout::Sequence) e.x = e.x.view({channels, pixels});
  e.y = labels_[index].clone();
  return e;
}

torch::Tensor random_crop_flip(const torch::Tensor& image, int64_t size, int64_t padding, std::mt19937_64& rng) {
  const torch::Tensor in = image.contiguous();
  const int64_t channels = in.size(0), height = in.size(1), width = in.size(2);
  TORCH_CHECK(height + 2 * padding >= size && width + 2 * padding >= size, "random_crop_flip: crop ", size,
              " larger than the padded ", height, "x", width, " image");
  TORCH_CHECK(padding <= height && padding <= width, "random_crop_flip: symmetric padding ", padding,
              " wider than the ", height, "x", width, " image");
  const auto top = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(height + 2 * padding - size + 1)));
  const auto left = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(width + 2 * padding - size + 1)));
  const bool flip = uniform01(rng) < 0.5;
  // Symmetric padding repeats the edge pixel: source index -1 reads 0, n reads n - 1.
  const auto mirror = [](int64_t i, int64_t n) { return i < 0 ? -i - 1 : (i >= n ? 2 * n - i - 1 : i); };
  torch::Tensor out = torch::empty({channels, size, size}, torch::kUInt8);
  const uint8_t* src = in.data_ptr<uint8_t>();
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < size; ++y) {
      const int64_t sy = mirror(top + y - padding, height);
      for (int64_t x = 0; x < size; ++x) {
        const int64_t sx = mirror(left + (flip ? size - 1 - x : x) - padding, width);
        dst[(c * size + y) * size + x] = src[(c * height + sy) * width + sx];
      }
    }
  return out;
}

}  // namespace longconv::data
