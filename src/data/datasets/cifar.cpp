#include "data/datasets/cifar.h"

#include <filesystem>
#include <stdexcept>

#include "data/formats/data_file.h"
#include "data/image_dataset.h"
#include "data/registry.h"

namespace longconv::data {

namespace {

constexpr int64_t kSide = 32, kPixels = kSide * kSide, kImageBytes = 3 * kPixels;

struct Records {
  std::vector<uint8_t> pixels;  // [N, 3, 32, 32]
  std::vector<int64_t> labels;
};

// Appends the records of one file; `label_bytes` leading bytes per record, the last one is the class.
void read_records(const std::string& path, int64_t label_bytes, int64_t classes, Records& out) {
  const std::string bytes = read_data_file(path);
  const int64_t record = label_bytes + kImageBytes;
  const auto size = static_cast<int64_t>(bytes.size());
  if (size == 0 || size % record != 0)
    throw std::runtime_error(path + ": " + std::to_string(size) + " bytes is not a whole number of " +
                             std::to_string(record) + "-byte records (truncated or not a CIFAR-" +
                             std::to_string(classes) + " binary file?)");
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  for (int64_t i = 0; i < size / record; ++i) {
    const uint8_t* r = data + i * record;
    if (label_bytes == 2 && r[0] >= 20)
      throw std::runtime_error(path + ": coarse label " + std::to_string(r[0]) + " of record " + std::to_string(i) +
                               " outside [0, 20)");
    const uint8_t label = r[label_bytes - 1];
    if (label >= classes)
      throw std::runtime_error(path + ": label " + std::to_string(label) + " of record " + std::to_string(i) +
                               " outside [0, " + std::to_string(classes) + ")");
    out.labels.push_back(label);
    out.pixels.insert(out.pixels.end(), r + label_bytes, r + record);
  }
}

torch::Tensor to_images(const Records& r, bool grayscale) {
  const auto n = static_cast<int64_t>(r.labels.size());
  if (!grayscale)
    return torch::from_blob(const_cast<uint8_t*>(r.pixels.data()), {n, 3, kSide, kSide}, torch::kUInt8).clone();
  torch::Tensor out = torch::empty({n, 1, kSide, kSide}, torch::kUInt8);
  uint8_t* dst = out.data_ptr<uint8_t>();
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* src = r.pixels.data() + i * kImageBytes;
    for (int64_t k = 0; k < kPixels; ++k)
      dst[i * kPixels + k] = pil_luma(src[k], src[kPixels + k], src[2 * kPixels + k]);
  }
  return out;
}

std::shared_ptr<const Dataset> make_split(const std::string& name, const std::vector<std::string>& paths,
                                          const CifarOptions& o, ImageLayout layout,
                                          const PixelNormalization& normalization, bool augment) {
  Records records;
  for (const auto& path : paths) read_records(path, o.classes == 100 ? 2 : 1, o.classes, records);
  const auto n = static_cast<int64_t>(records.labels.size());
  torch::Tensor labels = torch::from_blob(records.labels.data(), {n}, torch::kInt64).clone();
  ImageTransform transform;
  if (augment)
    transform = [](const torch::Tensor& image, std::mt19937_64* rng) {
      return rng ? random_crop_flip(image, kSide, 4, *rng) : image;
    };
  return std::make_shared<ImageDataset>(name, to_images(records, o.grayscale), std::move(labels), layout, normalization,
                                        std::move(transform));
}

PixelNormalization normalization_for(const CifarOptions& o) {
  if (o.task == Task::Density) {
    const std::vector<double> half(o.grayscale ? 1 : 3, 0.5);
    return {half, half};  // (x - 0.5) / 0.5
  }
  if (o.grayscale) return {{122.6 / 255.0}, {61.0 / 255.0}};
  if (o.classes == 100) return {{0.5071, 0.4867, 0.4408}, {0.2675, 0.2565, 0.2761}};
  if (o.stats == CifarStats::Ccnn) return {{0.4914, 0.4822, 0.4465}, {0.247, 0.243, 0.261}};
  return {{0.4914, 0.4822, 0.4465}, {0.2023, 0.1994, 0.2010}};
}

}  // namespace

void validate(const CifarOptions& o) {
  check_option(o.classes, one_of({10, 100}), "CifarOptions::classes");
  check_option_rule(o.classes == 10 || o.stats == CifarStats::Ccnn, o.stats, "CifarOptions::stats",
                    "expected ccnn for CIFAR-100 (multires statistics exist for CIFAR-10 only)");
}

Splits make_cifar_splits(const CifarOptions& o) {
  validate(o);
  const std::string name = "cifar" + std::to_string(o.classes);
  const ImageLayout layout = o.layout;
  const PixelNormalization normalization = normalization_for(o);
  require_directory(name, o.data_dir);
  const auto path = [&](const std::string& file) { return (std::filesystem::path(o.data_dir) / file).string(); };
  std::vector<std::string> train_files, test_files;
  if (o.classes == 10) {
    for (int k = 1; k <= 5; ++k) train_files.push_back(path("data_batch_" + std::to_string(k) + ".bin"));
    test_files.push_back(path("test_batch.bin"));
  } else {
    train_files.push_back(path("train.bin"));
    test_files.push_back(path("test.bin"));
  }
  Splits splits = split_train(make_split(name, train_files, o, layout, normalization, o.augment),
                              make_split(name, test_files, o, layout, normalization, false), o.split);
  const int64_t channels = o.grayscale ? 1 : 3;
  splits.info.task = o.task;
  splits.info.d_input = channels;
  splits.info.d_output = o.classes;
  splits.info.max_length = kPixels;
  splits.info.spatial_shape =
      layout == ImageLayout::Image ? std::vector<int64_t>{kSide, kSide} : std::vector<int64_t>{kPixels};
  return splits;
}

namespace {

const EnumNames<CifarStats> kStatsNames = {{"ccnn", CifarStats::Ccnn}, {"multires", CifarStats::Multires}};

// CIFAR-10 and CIFAR-100 share a reader and their keys.
DatasetType cifar(int64_t classes, std::string help, std::string default_dir) {
  CifarOptions defaults;
  defaults.classes = classes;
  defaults.data_dir = std::move(default_dir);
  auto bindings =
      Bindings<CifarOptions>(defaults)
          .bind("data_dir", &CifarOptions::data_dir, "directory of the binary release's .bin files")
          .bind("layout", &CifarOptions::layout, kImageLayoutNames,
                "sequence: [C, 1024] pixels in raster order; image: [C, 32, 32]")
          .bind("grayscale", &CifarOptions::grayscale,
                "one channel from PIL's RGB->L, normalised with mean 122.6/255, std 61/255 (LRA Image)")
          .bind("augment", &CifarOptions::augment,
                "training-time random crop 32 (symmetric padding 4) and horizontal flip")
          .bind("stats", &CifarOptions::stats, kStatsNames,
                "per-channel mean/std of the colour images: ccnn (datamodules/) or multires (classification.py's "
                "stds 0.2023, 0.1994, 0.2010; CIFAR-10 only)")
          .bind("task", &CifarOptions::task, kDensityTaskNames, kDensityTaskHelp)
          .nest(&CifarOptions::split, split_bindings())
          .validate([](const CifarOptions& o) { validate(o); });
  DatasetType t = bound_dataset_type<CifarOptions>("cifar" + std::to_string(classes), std::move(help),
                                                   std::move(bindings), make_cifar_splits);
  t.schema = [declare = t.schema](Schema& s) {
    declare(s);
    s.add_renamed("normalize", "stats");
  };
  return t;
}

}  // namespace

DatasetType cifar10_dataset_type() {
  return cifar(10, "CIFAR-10 (binary release): 32x32 colour images, 10 classes", "data/cifar-10-batches-bin");
}

DatasetType cifar100_dataset_type() {
  return cifar(100, "CIFAR-100 (binary release): 32x32 colour images, 100 fine classes", "data/cifar-100-binary");
}

}  // namespace longconv::data
