#include "data/datasets/pathfinder.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "data/formats/data_file.h"
#include "data/image_dataset.h"
#include "data/registry.h"
#include "io/png_reader.h"
#include "util/random.h"

namespace longconv::data {

namespace {

namespace fs = std::filesystem;

// An empty file in the published archive, skipped as CCNN's PATHFINDER_BLACKLIST does.
constexpr const char* kBlacklist = "pathfinder32/curv_baseline/imgs/0/sample_172.png";

// metadata/<n>.npy files in numeric order of <n>.
std::vector<fs::path> metadata_files(const fs::path& dir) {
  const fs::path metadata = dir / "metadata";
  std::error_code ec;
  if (!fs::is_directory(metadata, ec)) throw std::runtime_error(metadata.string() + ": no such directory");
  std::vector<std::pair<int64_t, fs::path>> files;
  for (const auto& entry : fs::directory_iterator(metadata)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".npy") continue;
    const std::string stem = p.stem().string();
    if (stem.empty() || !std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        stem.size() > 9)
      throw std::runtime_error(p.string() + ": metadata file name is not <number>.npy");
    files.emplace_back(std::stoll(stem), p);
  }
  if (files.empty()) throw std::runtime_error(metadata.string() + ": no metadata (*.npy) files");
  std::sort(files.begin(), files.end());
  std::vector<fs::path> out;
  for (auto& f : files) out.push_back(std::move(f.second));
  return out;
}

}  // namespace

const EnumNames<PathfinderDifficulty> kPathfinderDifficultyNames = {
    {"easy", PathfinderDifficulty::Easy},
    {"intermediate", PathfinderDifficulty::Intermediate},
    {"hard", PathfinderDifficulty::Hard}};

std::string pathfinder_difficulty_dir(PathfinderDifficulty difficulty) {
  switch (difficulty) {
    case PathfinderDifficulty::Easy:
      return "curv_baseline";
    case PathfinderDifficulty::Intermediate:
      return "curv_contour_length_9";
    case PathfinderDifficulty::Hard:
      return "curv_contour_length_14";
  }
  throw std::logic_error("pathfinder: difficulty out of range");
}

void validate(const PathfinderOptions& o) {
  check_option(o.resolution, at_least(1), "PathfinderOptions::resolution");
  validate(o.split);
  check_option(o.test_split, kValSplit, "PathfinderOptions::test_split");
  check_option_rule(o.split.val_split + o.test_split < 1, o.test_split, "PathfinderOptions::test_split",
                    fmt::format("expected below 1 - val_split = {}, got {}", 1 - o.split.val_split, o.test_split));
}

Splits make_pathfinder_splits(const PathfinderOptions& o) {
  validate(o);
  const ImageLayout layout = o.layout;
  const std::string level = pathfinder_difficulty_dir(o.difficulty);
  require_directory("pathfinder", o.data_dir);
  const std::string stem = "pathfinder" + std::to_string(o.resolution) + "/" + level;
  const fs::path dir = fs::path(o.data_dir) / stem;
  const int64_t side = o.resolution, pixels = side * side;

  std::vector<uint8_t> images;
  std::vector<int64_t> labels;
  for (const fs::path& file : metadata_files(dir)) {
    std::istringstream lines(read_data_file(file.string()));
    std::string line;
    for (int64_t number = 1; std::getline(lines, line); ++number) {
      std::istringstream fields(line);
      std::vector<std::string> f;
      for (std::string s; fields >> s;) f.push_back(s);
      if (f.empty()) continue;
      const std::string where = file.string() + ": line " + std::to_string(number) + ": ";
      if (f.size() < 4) throw std::runtime_error(where + "expected '<dir> <file> <index> <label> ...'");
      const std::string image = f[0] + "/" + f[1];
      if (stem + "/" + image == kBlacklist) continue;
      if (f[3] != "0" && f[3] != "1") throw std::runtime_error(where + "label '" + f[3] + "' is not 0 or 1");
      const std::string path = (dir / image).string();
      const io::DecodedImage png = io::read_png(path);
      if (png.width != side || png.height != side)
        throw std::runtime_error(path + ": image is " + std::to_string(png.width) + "x" + std::to_string(png.height) +
                                 ", expected " + std::to_string(side) + "x" + std::to_string(side));
      const size_t c = static_cast<size_t>(png.channels);
      for (int64_t k = 0; k < pixels; ++k) {
        const uint8_t* p = png.pixels.data() + static_cast<size_t>(k) * c;
        images.push_back(c >= 3 ? pil_luma(p[0], p[1], p[2]) : p[0]);
      }
      labels.push_back(f[3] == "1");
    }
  }
  const auto n = static_cast<int64_t>(labels.size());
  if (n == 0) throw std::runtime_error(dir.string() + "/metadata: no images listed");
  auto full = std::make_shared<ImageDataset>(
      "pathfinder", torch::from_blob(images.data(), {n, 1, side, side}, torch::kUInt8).clone(),
      torch::from_blob(labels.data(), {n}, torch::kInt64).clone(), layout, PixelNormalization{{0.0}, {1.0}});

  // random_split: consecutive chunks of one permutation.
  const auto n_val = static_cast<int64_t>(o.split.val_split * static_cast<double>(n));
  const auto n_test = static_cast<int64_t>(o.test_split * static_cast<double>(n));
  std::mt19937_64 rng(o.split.split_seed);
  const std::vector<int64_t> perm = permutation(n, rng);
  const auto chunk = [&](int64_t begin, int64_t end) {
    std::vector<int64_t> idx(perm.begin() + begin, perm.begin() + end);
    std::sort(idx.begin(), idx.end());
    return std::make_shared<Subset>(full, std::move(idx));
  };
  Splits splits;
  splits.train = chunk(0, n - n_val - n_test);
  if (n_val > 0) splits.val = chunk(n - n_val - n_test, n - n_test);
  splits.test = chunk(n - n_test, n);
  splits.info.task = Task::Classification;
  splits.info.d_input = 1;
  splits.info.d_output = 2;
  splits.info.max_length = pixels;
  splits.info.spatial_shape =
      layout == ImageLayout::Image ? std::vector<int64_t>{side, side} : std::vector<int64_t>{pixels};
  return splits;
}

DatasetType pathfinder_dataset_type() {
  PathfinderOptions defaults;
  defaults.data_dir = "data/lra_release";
  auto bindings =
      Bindings<PathfinderOptions>(defaults)
          .bind("data_dir", &PathfinderOptions::data_dir, "the lra_release directory holding pathfinder<resolution>/")
          .bind("difficulty", &PathfinderOptions::difficulty, kPathfinderDifficultyNames,
                "easy: curv_baseline; intermediate: curv_contour_length_9; hard: curv_contour_length_14")
          .bind("resolution", &PathfinderOptions::resolution, "image side: reads pathfinder<resolution>/", at_least(1))
          .bind("layout", &PathfinderOptions::layout, kImageLayoutNames,
                "sequence: [1, R*R] pixels in raster order; image: [1, R, R]")
          .nest(&PathfinderOptions::split, split_bindings())
          .bind("test_split", &PathfinderOptions::test_split,
                "fraction of the images held out for testing (val_split: for validation)", kValSplit)
          .validate([](const PathfinderOptions& o) { validate(o); });
  return bound_dataset_type<PathfinderOptions>(
      "pathfinder", "LRA Pathfinder (lra_release/pathfinder<R>/ PNGs + metadata): connected dots?, 2 classes",
      std::move(bindings), make_pathfinder_splits);
}

}  // namespace longconv::data
