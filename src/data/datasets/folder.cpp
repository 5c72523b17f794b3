#include "data/datasets/folder.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "data/audio_resample.h"
#include "data/formats/numeric_table.h"
#include "data/formats/wav.h"
#include "data/image_resize.h"
#include "data/registry.h"
#include "io/jpeg_reader.h"
#include "io/png_reader.h"

namespace longconv::data {

namespace {

namespace fs = std::filesystem;

enum class Kind { Audio, Image, Table };

const char* kind_name(Kind k) { return k == Kind::Audio ? "audio" : k == Kind::Image ? "images" : "tables"; }

bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

std::string lower_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

std::optional<Kind> kind_of(const fs::path& file) {
  const std::string ext = lower_extension(file);
  if (ext == ".wav") return Kind::Audio;
  if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") return Kind::Image;
  if (ext == ".csv" || ext == ".tsv") return Kind::Table;
  return std::nullopt;
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool directories) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (!hidden(e.path()) && (directories ? e.is_directory() : e.is_regular_file())) out.push_back(e.path());
  if (ec) throw std::runtime_error(dir.string() + ": cannot list: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

struct Item {
  fs::path file;
  int64_t label = 0;
};

// Files of one split root: <root>/<class>/**, with labels from `classes`.
std::vector<Item> list_split(const fs::path& root, const std::vector<std::string>& classes) {
  std::vector<Item> items;
  for (const fs::path& dir : sorted_entries(root, true)) {
    const auto it = std::find(classes.begin(), classes.end(), dir.filename().string());
    if (it == classes.end())
      throw std::invalid_argument(dir.string() + ": class folder not among the training classes (" +
                                  fmt::format("{}", fmt::join(classes, ", ")) + ")");
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto e = fs::recursive_directory_iterator(dir, ec); !ec && e != fs::recursive_directory_iterator();
         e.increment(ec)) {
      if (hidden(e->path())) {
        if (e->is_directory()) e.disable_recursion_pending();
        continue;
      }
      if (e->is_regular_file()) files.push_back(e->path());
    }
    if (ec) throw std::runtime_error(dir.string() + ": cannot list: " + ec.message());
    std::sort(files.begin(), files.end());
    for (auto& f : files) items.push_back({std::move(f), it - classes.begin()});
  }
  if (items.empty()) throw std::invalid_argument(root.string() + ": no files in its class folders");
  return items;
}

// One decoded file: an image uint8 [C, H, W] or a sequence float [C, L].
struct Decoded {
  torch::Tensor data;
  int64_t rate = 0;  // audio: the file's sample rate
};

Decoded decode(const fs::path& file, Kind kind, const FolderOptions& o) {
  const std::string path = file.string();
  Decoded d;
  if (kind == Kind::Image) {
    io::DecodedImage image = lower_extension(file) == ".png" ? io::read_png(path) : io::read_jpeg(path);
    const int64_t colour = image.channels >= 3 ? 3 : 1;  // alpha dropped
    d.data = torch::from_blob(image.pixels.data(), {image.height, image.width, image.channels}, torch::kUInt8)
                 .narrow(2, 0, colour)
                 .permute({2, 0, 1})
                 .clone(at::MemoryFormat::Contiguous);  // off `image`'s pixels
  } else if (kind == Kind::Audio) {
    const Wav wav = read_wav(path);
    const auto frames = static_cast<int64_t>(wav.samples.size()) / wav.channels;
    torch::Tensor audio =
        torch::from_blob(const_cast<int16_t*>(wav.samples.data()), {frames, wav.channels}, torch::kInt16)
            .t()
            .to(torch::kFloat32)
            .div_(32768.0f)
            .contiguous();
    d.rate = wav.sample_rate;
    if (o.sample_rate) {
      audio = resample_audio(audio, wav.sample_rate, *o.sample_rate);
      d.rate = *o.sample_rate;
    }
    d.data = audio;
  } else {
    const char delimiter = lower_extension(file) == ".tsv" ? '\t' : ',';
    d.data = read_numeric_table(path, delimiter).values.t().contiguous();
  }
  if (d.data.size(-1) == 0) throw std::runtime_error(path + ": empty (no samples or pixels)");
  return d;
}

struct Split {
  std::vector<Item> items;
  std::vector<Decoded> decoded;
};

}  // namespace

std::vector<std::string> folder_classes(const std::string& path) {
  std::error_code ec;
  if (path.empty()) throw std::invalid_argument("folder: path is empty (a folder of class folders)");
  if (!fs::is_directory(path, ec)) throw std::runtime_error(path + ": no such directory (folder: path)");
  const fs::path root = fs::is_directory(fs::path(path) / "train", ec) ? fs::path(path) / "train" : fs::path(path);
  std::vector<std::string> classes;
  for (const fs::path& dir : sorted_entries(root, true)) classes.push_back(dir.filename().string());
  if (classes.empty()) throw std::invalid_argument(root.string() + ": no class folders");
  return classes;
}

void validate(const FolderOptions& o) {
  check_option_rule(!o.path.empty(), o.path, "FolderOptions::path", "empty: give a folder of class folders");
  check_option(o.sample_rate, at_least(1), "FolderOptions::sample_rate");
  check_option(o.length, at_least(1), "FolderOptions::length");
  check_option_rule(o.size.size() <= 2 && std::all_of(o.size.begin(), o.size.end(), [](int64_t s) { return s >= 1; }),
                    o.size, "FolderOptions::size",
                    fmt::format("[{}] is not [side] or [height, width] of positive sizes", fmt::join(o.size, ", ")));
  validate(o.arrays);
}

Splits make_folder_splits(const FolderOptions& o) {
  validate(o);
  const std::vector<std::string> classes = folder_classes(o.path);
  std::error_code ec;
  const fs::path base(o.path);
  const bool split_folders = fs::is_directory(base / "train", ec);
  std::map<std::string, Split> splits;  // "train", "val", "test"
  splits["train"].items = list_split(split_folders ? base / "train" : base, classes);
  for (const char* name : {"val", "test"})
    if (split_folders && fs::is_directory(base / name, ec)) splits[name].items = list_split(base / name, classes);

  // One kind of file throughout.
  std::optional<Kind> kind;
  fs::path first;
  for (const auto& [name, split] : splits)
    for (const Item& item : split.items) {
      const std::optional<Kind> k = kind_of(item.file);
      if (!k) throw std::invalid_argument(item.file.string() + ": not a WAV, PNG, JPEG, CSV or TSV file");
      if (!kind) {
        kind = k;
        first = item.file;
      } else if (*k != *kind) {
        throw std::invalid_argument(fmt::format("folder: {} mixes {} ({}) and {} ({})", o.path, kind_name(*kind),
                                                first.string(), kind_name(*k), item.file.string()));
      }
    }

  // A named reference, not a structured binding: C++17 lambdas cannot capture those (clang refuses).
  for (auto& entry : splits) {
    Split& split = entry.second;
    split.decoded.resize(split.items.size());
    at::parallel_for(0, static_cast<int64_t>(split.items.size()), 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) split.decoded[i] = decode(split.items[i].file, *kind, o);
    });
  }

  // What every file must share.
  const Split& train = splits.at("train");
  const Decoded& reference = train.decoded[0];
  const std::string reference_file = train.items[0].file.string();
  int64_t channels = reference.data.size(0), length = 0;
  for (const auto& [name, split] : splits)
    for (size_t i = 0; i < split.items.size(); ++i) {
      const torch::Tensor& d = split.decoded[i].data;
      const std::string file = split.items[i].file.string();
      if (*kind == Kind::Image) {
        channels = std::max(channels, d.size(0));
        if (o.size.empty() && (d.size(1) != reference.data.size(1) || d.size(2) != reference.data.size(2)))
          throw std::invalid_argument(
              fmt::format("{}: {}x{} pixels, but {} has {}x{}: give dataset.size to resize them", file, d.size(2),
                          d.size(1), reference_file, reference.data.size(2), reference.data.size(1)));
        continue;
      }
      if (d.size(0) != channels)
        throw std::invalid_argument(
            fmt::format("{}: {} channels, but {} has {}", file, d.size(0), reference_file, channels));
      if (split.decoded[i].rate != reference.rate)
        throw std::invalid_argument(fmt::format("{}: {} Hz, but {} has {} Hz: give dataset.sample_rate to resample",
                                                file, split.decoded[i].rate, reference_file, reference.rate));
      length = std::max(length, d.size(1));
    }
  if (o.length) length = *o.length;

  const auto array_set = [&](const std::string& name) {
    const Split& split = splits.at(name);
    const auto n = static_cast<int64_t>(split.items.size());
    torch::Tensor y = torch::empty({n}, torch::kInt64);
    for (int64_t i = 0; i < n; ++i) y[i] = split.items[static_cast<size_t>(i)].label;
    torch::Tensor x, lengths;
    if (*kind == Kind::Image) {
      const int64_t height = o.size.empty() ? reference.data.size(1) : o.size[0];
      const int64_t width = o.size.empty() ? reference.data.size(2) : o.size.back();
      x = torch::empty({n, channels, height, width}, torch::kUInt8);
      for (int64_t i = 0; i < n; ++i) {
        const torch::Tensor& image = split.decoded[static_cast<size_t>(i)].data;
        x[i].copy_(resize_bilinear(image, height, width).expand({channels, height, width}));
      }
    } else {
      x = torch::zeros({n, channels, length});
      lengths = torch::empty({n}, torch::kInt64);
      for (int64_t i = 0; i < n; ++i) {
        const torch::Tensor& d = split.decoded[static_cast<size_t>(i)].data;
        const int64_t steps = std::min(length, d.size(1));
        x[i].narrow(1, 0, steps).copy_(d.narrow(1, 0, steps));
        lengths[i] = steps;
      }
    }
    const std::string origin = (split_folders ? base / name : base).string();
    ArraySet set{StoredArray::from_tensor(origin + " (x)", x), StoredArray::from_tensor(origin + " (labels)", y),
                 StoredArray()};
    if (lengths.defined()) set.lengths = StoredArray::from_tensor(origin + " (lengths)", lengths);
    return std::pair{set, lengths.defined() && lengths.lt(length).any().item<bool>()};
  };
  std::map<std::string, ArraySet> sets;
  bool padded = false;
  for (const auto& [name, split] : splits) {
    auto [set, set_padded] = array_set(name);
    sets[name] = std::move(set);
    padded |= set_padded;
  }
  if (!padded)
    for (auto& [name, set] : sets) set.lengths = StoredArray();  // every sequence is whole
  const auto optional_set = [&](const char* name) {
    return sets.count(name) ? std::optional<ArraySet>(sets.at(name)) : std::nullopt;
  };
  ArrayDatasetOptions arrays = o.arrays;
  arrays.classes = static_cast<int64_t>(classes.size());
  return make_array_splits("folder", sets.at("train"), optional_set("val"), optional_set("test"), arrays);
}

DatasetType folder_dataset_type() {
  auto bindings =
      Bindings<FolderOptions>()
          .bind(
              "path", &FolderOptions::path,
              "a folder of class folders (WAV, PNG/JPEG or CSV/TSV files), or of train/ (val/, test/) folders of them")
          .bind("sample_rate", &FolderOptions::sample_rate,
                "WAV: resample every clip to this rate (libsoxr); null: the clips' own, which must agree", at_least(1))
          .bind("length", &FolderOptions::length,
                "WAV, CSV/TSV: steps per example (longer ones cut, shorter ones padded); null: the longest",
                at_least(1))
          .bind(
              "size", &FolderOptions::size,
              "images: [height, width] or [side] to resize to (antialiased bilinear); []: their own, which must agree")
          .nest(&FolderOptions::arrays, array_bindings(/*target_keys=*/false))
          .validate([](const FolderOptions& o) { validate(o); });
  return bound_dataset_type<FolderOptions>("folder", "one subfolder per class of WAV, PNG/JPEG or CSV/TSV files",
                                           std::move(bindings), make_folder_splits);
}

}  // namespace longconv::data
