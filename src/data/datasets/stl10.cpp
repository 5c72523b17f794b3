#include "data/datasets/stl10.h"

#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "data/formats/data_file.h"
#include "data/image_dataset.h"
#include "data/registry.h"
#include "util/random.h"

namespace longconv::data {

namespace {

constexpr int64_t kStl10Side = 96, kStl10ImageBytes = 3 * kStl10Side * kStl10Side, kStl10Classes = 10;

// Bilinear resize (half-pixel centres, as PIL's BILINEAR when enlarging) of a uint8 [C, H, W] image, rounded.
torch::Tensor resize(const torch::Tensor& image, int64_t height, int64_t width) {
  if (image.size(1) == height && image.size(2) == width) return image;
  namespace F = torch::nn::functional;
  const torch::Tensor out =
      F::interpolate(image.unsqueeze(0).to(torch::kFloat32), F::InterpolateFuncOptions()
                                                                 .size(std::vector<int64_t>{height, width})
                                                                 .mode(torch::kBilinear)
                                                                 .align_corners(false));
  return out.squeeze(0).round().clamp(0, 255).to(torch::kUInt8);
}

// PIL's Image.rotate(degrees, NEAREST) about the image centre, counter-clockwise, black outside the source.
torch::Tensor rotate_nearest(const torch::Tensor& image, double degrees) {
  const torch::Tensor in = image.contiguous();
  const int64_t channels = in.size(0), height = in.size(1), width = in.size(2);
  const double a = degrees * M_PI / 180.0, cos_a = std::cos(a), sin_a = std::sin(a);
  const double cx = width / 2.0, cy = height / 2.0;
  torch::Tensor out = torch::zeros_like(in);
  const uint8_t* src = in.data_ptr<uint8_t>();
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x) {
      const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
      const double sx = std::floor(cos_a * dx - sin_a * dy + cx), sy = std::floor(sin_a * dx + cos_a * dy + cy);
      if (sx < 0 || sy < 0 || sx >= width || sy >= height) continue;
      const auto ix = static_cast<int64_t>(sx), iy = static_cast<int64_t>(sy);
      for (int64_t c = 0; c < channels; ++c) dst[(c * height + y) * width + x] = src[(c * height + iy) * width + ix];
    }
  return out;
}

std::shared_ptr<ImageDataset> read_split(const std::string& dir, const std::string& split, const Stl10Options& o,
                                         ImageLayout layout) {
  const std::string x_path = (std::filesystem::path(dir) / (split + "_X.bin")).string();
  const std::string y_path = (std::filesystem::path(dir) / (split + "_y.bin")).string();
  const std::string x = read_data_file(x_path), y = read_data_file(y_path);
  if (x.empty() || x.size() % kStl10ImageBytes != 0)
    throw std::runtime_error(x_path + ": " + std::to_string(x.size()) + " bytes is not a whole number of " +
                             std::to_string(kStl10ImageBytes) + "-byte 96x96x3 images (truncated?)");
  const auto n = static_cast<int64_t>(x.size() / kStl10ImageBytes);
  if (static_cast<int64_t>(y.size()) != n)
    throw std::runtime_error(y_path + ": " + std::to_string(y.size()) + " labels for " + std::to_string(n) +
                             " images in " + x_path);
  torch::Tensor labels = torch::empty({n}, torch::kInt64);
  int64_t* label_out = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const auto label = static_cast<uint8_t>(y[static_cast<size_t>(i)]);
    if (label < 1 || label > kStl10Classes)
      throw std::runtime_error(y_path + ": label " + std::to_string(label) + " of image " + std::to_string(i) +
                               " outside [1, 10]");
    label_out[i] = label - 1;
  }
  // Stored [N, 3, W, H] (column-major channels): swap to [N, 3, H, W].
  torch::Tensor images = torch::from_blob(const_cast<char*>(x.data()), {n, 3, kStl10Side, kStl10Side}, torch::kUInt8)
                             .transpose(2, 3)
                             .contiguous();
  const int64_t size = o.size, enlarged = o.size * 17 / 16;
  const bool augment = o.augment;
  ImageTransform transform = [size, enlarged, augment](const torch::Tensor& image, std::mt19937_64* rng) {
    if (!(augment && rng)) return resize(image, size, size);
    const torch::Tensor rotated = rotate_nearest(resize(image, enlarged, enlarged), uniform01(*rng) * 30.0 - 15.0);
    return random_crop_flip(rotated, size, 0, *rng);
  };
  return std::make_shared<ImageDataset>(
      "stl10", std::move(images), std::move(labels), layout,
      PixelNormalization{{0.44671097, 0.4398105, 0.4066468}, {0.2603405, 0.25657743, 0.27126738}},
      std::move(transform));
}

}  // namespace

const Constraint kStl10Size = at_least(1);

void validate(const Stl10Options& o) { check_option(o.size, kStl10Size, "Stl10Options::size"); }

Splits make_stl10_splits(const Stl10Options& o) {
  validate(o);
  const ImageLayout layout = o.layout;
  require_directory("stl10", o.data_dir);
  Splits splits =
      split_train(read_split(o.data_dir, "train", o, layout), read_split(o.data_dir, "test", o, layout), o.split);
  splits.info.task = Task::Classification;
  splits.info.d_input = 3;
  splits.info.d_output = kStl10Classes;
  splits.info.max_length = o.size * o.size;
  splits.info.spatial_shape =
      layout == ImageLayout::Image ? std::vector<int64_t>{o.size, o.size} : std::vector<int64_t>{o.size * o.size};
  return splits;
}

DatasetType stl10_dataset_type() {
  Stl10Options defaults;
  defaults.data_dir = "data/stl10_binary";
  auto bindings =
      Bindings<Stl10Options>(defaults)
          .bind("data_dir", &Stl10Options::data_dir, "the stl10_binary directory")
          .bind("size", &Stl10Options::size,
                "images are resized (bilinear) to size x size; CCNN uses 256, 96 keeps them", kStl10Size)
          .bind("augment", &Stl10Options::augment,
                "training-time resize to size*17/16, rotation in [-15, 15] degrees, random crop, flip (CCNN)")
          .bind("layout", &Stl10Options::layout, kImageLayoutNames,
                "image: [3, size, size]; sequence: [3, size*size] in raster order")
          .nest(&Stl10Options::split, split_bindings())
          .validate([](const Stl10Options& o) { validate(o); });
  return bound_dataset_type<Stl10Options>("stl10", "STL-10 (stl10_binary): 96x96 colour images, 10 classes",
                                          std::move(bindings), make_stl10_splits);
}

}  // namespace longconv::data
