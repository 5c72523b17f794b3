#include "data/datasets/mnist.h"

#include <array>
#include <filesystem>
#include <stdexcept>

#include "data/formats/idx.h"
#include "data/registry.h"
#include "util/random.h"

namespace longconv::data {

namespace {

namespace fs = std::filesystem;

constexpr int64_t kMnistClasses = 10;

using Layout = MnistLayout;

// How stored pixels become x; shared by every split so they all see the same permutation and scaling.
struct PixelMap {
  Layout layout = Layout::Sequence;
  int64_t height = 0, width = 0;
  std::vector<int64_t> permutation;  // x position -> pixel position; empty unless layout is Permuted
  std::array<float, 256> value{};    // uint8 pixel -> scaled (and normalized) float
};

class MnistDataset : public Dataset {
 public:
  MnistDataset(torch::Tensor images, torch::Tensor labels, std::shared_ptr<const PixelMap> map)
      : images_(std::move(images)), labels_(std::move(labels)), map_(std::move(map)) {}

  int64_t size() const override { return images_.size(0); }

  Example get(int64_t index, std::mt19937_64*) const override {
    if (index < 0 || index >= size())
      throw std::out_of_range("mnist: index " + std::to_string(index) + " outside [0, " + std::to_string(size()) + ")");
    const int64_t n = map_->height * map_->width;
    Example e;
    e.x = map_->layout == Layout::Image ? torch::empty({1, map_->height, map_->width}) : torch::empty({1, n});
    const uint8_t* src = images_.data_ptr<uint8_t>() + index * n;
    float* dst = e.x.data_ptr<float>();
    const bool permuted = !map_->permutation.empty();
    for (int64_t k = 0; k < n; ++k) dst[k] = map_->value[src[permuted ? map_->permutation[k] : k]];
    e.y = torch::scalar_tensor(static_cast<int64_t>(labels_.data_ptr<uint8_t>()[index]), torch::kInt64);
    return e;
  }

 private:
  torch::Tensor images_;  // uint8 [N, H, W]
  torch::Tensor labels_;  // uint8 [N]
  std::shared_ptr<const PixelMap> map_;
};

std::string find_file(const std::string& dir, const std::string& name) {
  for (const std::string& candidate : {name + ".gz", name}) {
    const fs::path path = fs::path(dir) / candidate;
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return path.string();
  }
  throw std::runtime_error(dir + ": missing " + name + ".gz (or " + name + ")");
}

std::string describe(const torch::Tensor& t) { return c10::str(t.scalar_type(), " ", t.sizes()); }

// Images [N, H, W] and labels [N] of one split, checked against each other.
std::pair<torch::Tensor, torch::Tensor> load_pair(const std::string& dir, const std::string& prefix) {
  const std::string images_path = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(dir, prefix + "-labels-idx1-ubyte");
  torch::Tensor images = read_idx(images_path);
  if (images.scalar_type() != torch::kUInt8 || images.dim() != 3)
    throw std::runtime_error(images_path + ": expected uint8 images [N, H, W], got " + describe(images));
  torch::Tensor labels = read_idx(labels_path);
  if (labels.scalar_type() != torch::kUInt8 || labels.dim() != 1)
    throw std::runtime_error(labels_path + ": expected uint8 labels [N], got " + describe(labels));
  if (labels.size(0) != images.size(0))
    throw std::runtime_error(labels_path + ": " + std::to_string(labels.size(0)) + " labels for " +
                             std::to_string(images.size(0)) + " images in " + images_path);
  const uint8_t* l = labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < labels.size(0); ++i)
    if (l[i] >= kMnistClasses)
      throw std::runtime_error(labels_path + ": label " + std::to_string(l[i]) + " of example " + std::to_string(i) +
                               " outside [0, " + std::to_string(kMnistClasses) + ")");
  return {images, labels};
}

}  // namespace

Splits make_mnist_splits(const MnistOptions& options) {
  auto map = std::make_shared<PixelMap>();
  map->layout = options.layout;
  validate(options.split);
  if (options.normalize && !(options.stddev > 0.0))
    throw std::invalid_argument("mnist: stddev must be > 0, got " + std::to_string(options.stddev));
  if (options.data_dir.empty()) throw std::invalid_argument("mnist: data_dir is empty");
  std::error_code ec;
  if (!fs::is_directory(options.data_dir, ec)) throw std::runtime_error(options.data_dir + ": no such directory");

  auto [train_images, train_labels] = load_pair(options.data_dir, "train");
  auto [test_images, test_labels] = load_pair(options.data_dir, "t10k");
  map->height = train_images.size(1);
  map->width = train_images.size(2);
  if (test_images.size(1) != map->height || test_images.size(2) != map->width)
    throw std::runtime_error(options.data_dir + ": t10k images are " + std::to_string(test_images.size(1)) + "x" +
                             std::to_string(test_images.size(2)) + " but train images are " +
                             std::to_string(map->height) + "x" + std::to_string(map->width));
  const int64_t n_pixels = map->height * map->width;

  if (options.task != Task::Classification && options.task != Task::Density)
    throw std::invalid_argument("mnist: the task must be classification or density");
  for (int v = 0; v < 256; ++v) {
    const double x = v / 255.0;
    float& value = map->value[static_cast<size_t>(v)];
    if (options.task == Task::Density) {
      // In float32 as torchvision's ToTensor and the reference's rescaling: exactly -1 and 1 at 0 and 255.
      value = (static_cast<float>(v) / 255.0f - 0.5f) * 2.0f;
    } else {
      value = static_cast<float>(options.normalize ? (x - options.mean) / options.stddev : x);
    }
  }
  if (map->layout == Layout::Permuted) {
    std::mt19937_64 rng(options.permutation_seed);
    map->permutation = permutation(n_pixels, rng);
  }

  Splits splits = split_train(std::make_shared<MnistDataset>(train_images, train_labels, map),
                              std::make_shared<MnistDataset>(test_images, test_labels, map), options.split);

  splits.info.task = options.task;
  splits.info.d_input = 1;
  splits.info.d_output = kMnistClasses;
  splits.info.max_length = n_pixels;
  splits.info.spatial_shape =
      map->layout == Layout::Image ? std::vector<int64_t>{map->height, map->width} : std::vector<int64_t>{n_pixels};
  return splits;
}

const EnumNames<MnistLayout> kMnistLayoutNames = {
    {"sequence", MnistLayout::Sequence}, {"permuted", MnistLayout::Permuted}, {"image", MnistLayout::Image}};

namespace {

// MNIST and Fashion-MNIST differ only in where their files live and their pixel statistics.
DatasetType mnist_family(std::string name, std::string help, std::string default_dir, double mean, double stddev) {
  MnistOptions defaults;
  defaults.data_dir = std::move(default_dir);
  defaults.mean = mean;
  defaults.stddev = stddev;
  auto bindings =
      Bindings<MnistOptions>(defaults)
          .bind("data_dir", &MnistOptions::data_dir, "directory of the four IDX files (optionally .gz)")
          .bind("layout", &MnistOptions::layout, kMnistLayoutNames,
                "sequence: [1, 784] pixels in raster order; permuted: the same, permuted; image: [1, 28, 28]")
          .bind("permutation_seed", &MnistOptions::permutation_seed,
                "seed of the fixed pixel permutation (layout: permuted)")
          .bind("normalize", &MnistOptions::normalize,
                "standardize pixels with the dataset's mean and std (else scale to [0, 1])")
          .bind("task", &MnistOptions::task, kDensityTaskNames, kDensityTaskHelp)
          .nest(&MnistOptions::split, split_bindings());
  return bound_dataset_type<MnistOptions>(std::move(name), std::move(help), std::move(bindings), make_mnist_splits);
}

}  // namespace

DatasetType fashion_mnist_dataset_type() {
  return mnist_family("fashion_mnist", "Fashion-MNIST: 28x28 grey images of clothing, 10 classes",
                      "/usr/share/datasets/fashion-mnist", kFashionMnistMean, kFashionMnistStd);
}

DatasetType mnist_dataset_type() {
  return mnist_family("mnist", "MNIST: 28x28 grey images of digits, 10 classes", "/usr/share/datasets/mnist",
                      kMnistMean, kMnistStd);
}

}  // namespace longconv::data
