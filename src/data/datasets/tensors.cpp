#include "data/datasets/tensors.h"

#include <filesystem>
#include <map>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "data/formats/npy.h"
#include "data/formats/npz.h"
#include "data/registry.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"

namespace longconv::data {

namespace {

namespace fs = std::filesystem;

std::map<std::string, StoredArray> read_safetensors_arrays(const std::string& path) {
  std::shared_ptr<const io::MappedFile> file = io::MappedFile::open(path);
  const io::SafetensorsLayout layout = io::parse_safetensors_layout({file->data(), file->size()}, path);
  std::map<std::string, StoredArray> arrays;
  for (const auto& [name, e] : layout.tensors)
    arrays.emplace(name,
                   StoredArray(path + ": " + name, file, file->data() + e.offset, e.dtype, e.shape, false, false));
  return arrays;
}

std::map<std::string, StoredArray> read_npy_directory(const std::string& dir) {
  std::map<std::string, StoredArray> arrays;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".npy") arrays.emplace(entry.path().stem().string(), read_npy(entry.path()));
  if (ec) throw std::runtime_error(dir + ": cannot list: " + ec.message());
  return arrays;
}

ArraySet to_set(const std::string& path, std::map<std::string, StoredArray> arrays) {
  for (const auto& [name, array] : arrays)
    if (name != "x" && name != "y" && name != "lengths")
      throw std::invalid_argument(path + ": unexpected array '" + name + "' (expected x, y and optionally lengths)");
  for (const char* name : {"x", "y"})
    if (!arrays.count(name))
      throw std::invalid_argument(path + ": no array '" + name + "' (expected x, y and optionally lengths)");
  ArraySet set{arrays.at("x"), arrays.at("y"), StoredArray()};
  if (arrays.count("lengths")) set.lengths = arrays.at("lengths");
  return set;
}

// The file or directory that holds split `split` under `dir`, if any.
std::optional<std::string> split_entry(const fs::path& dir, const std::string& split) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const std::string& name : {split + ".safetensors", split + ".npz", split})
    if (fs::exists(dir / name, ec)) found.push_back((dir / name).string());
  if (found.size() > 1)
    throw std::invalid_argument(
        fmt::format("{}: split '{}' is given twice: {}", dir.string(), split, fmt::join(found, " and ")));
  if (found.empty()) return std::nullopt;
  return found[0];
}

}  // namespace

ArraySet read_array_set(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return to_set(path, read_npy_directory(path));
  if (!fs::exists(path, ec)) throw std::runtime_error(path + ": no such file or directory");
  const std::string extension = fs::path(path).extension().string();
  if (extension == ".safetensors") return to_set(path, read_safetensors_arrays(path));
  if (extension == ".npz") return to_set(path, read_npz(path));
  if (extension == ".npy")
    throw std::invalid_argument(path +
                                ": a .npy file holds one array: put x.npy and y.npy in a directory and give "
                                "the directory");
  throw std::invalid_argument(path + ": not a .safetensors or .npz file, nor a directory of .npy files");
}

void validate(const TensorsOptions& o) {
  check_option_rule(!o.path.empty(), o.path, "TensorsOptions::path", "empty: give a file or a directory of arrays");
  validate(o.arrays);
}

Splits make_tensors_splits(const TensorsOptions& o) {
  validate(o);
  std::error_code ec;
  const fs::path path(o.path);
  if (!fs::is_directory(path, ec) || fs::exists(path / "x.npy", ec)) {
    for (const std::string split : {"train", "val", "test"})
      if (fs::is_directory(path, ec) && split_entry(path, split))
        throw std::invalid_argument(o.path + ": holds both x.npy and a '" + split +
                                    "' split: keep one set of arrays per directory");
    return make_array_splits("tensors", read_array_set(o.path), std::nullopt, std::nullopt, o.arrays);
  }
  const std::optional<std::string> train = split_entry(path, "train");
  if (!train)
    throw std::runtime_error(o.path +
                             ": neither x.npy nor train.safetensors, train.npz or train/ (a directory of "
                             "x.npy, y.npy)");
  const auto read = [](const std::optional<std::string>& p) {
    return p ? std::optional<ArraySet>(read_array_set(*p)) : std::nullopt;
  };
  return make_array_splits("tensors", read_array_set(*train), read(split_entry(path, "val")),
                           read(split_entry(path, "test")), o.arrays);
}

DatasetType tensors_dataset_type() {
  auto bindings = Bindings<TensorsOptions>()
                      .bind("path", &TensorsOptions::path,
                            "a .safetensors or .npz file or a directory of x.npy, y.npy (lengths.npy) holding x, y "
                            "(lengths); or a directory of train.* (val.*, test.*): such files or directories")
                      .nest(&TensorsOptions::arrays, array_bindings(/*target_keys=*/true))
                      .validate([](const TensorsOptions& o) { validate(o); });
  return bound_dataset_type<TensorsOptions>(
      "tensors", "your own arrays x [N, C, ...] or tokens [N, L], y, lengths from safetensors, .npz or .npy files",
      std::move(bindings), make_tensors_splits);
}

}  // namespace longconv::data
