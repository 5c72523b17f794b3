#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/datasets/pathfinder.h"
#include "io/png_reader.h"
#include "support/idx_writer.h"
#include "support/pathfinder_writer.h"
#include "support/png_test_writer.h"
#include "support/temp_dir.h"

using namespace longconv::data;
using longconv::testing_png::write_png;
namespace fs = std::filesystem;

namespace {

constexpr int kSide = longconv::test::kPathfinderSide;
using longconv::test::pathfinder_pixel;

// pathfinder32/<level> (see pathfinder_writer.h) in a directory of its own.
class PathfinderDir {
 public:
  explicit PathfinderDir(int per_file = 5, const std::string& level = "curv_contour_length_14")
      : root_(dir_.path() / "pathfinder32" / level) {
    longconv::test::write_pathfinder_dir(dir_.path().string(), per_file, level);
  }
  std::string data_dir() const { return dir_.path().string(); }
  std::string file(const std::string& rel) const { return (root_ / rel).string(); }

 private:
  longconv::test::TempDir dir_;
  fs::path root_;
};

PathfinderOptions options(const PathfinderDir& d) {
  PathfinderOptions o;
  o.data_dir = d.data_dir();
  return o;
}

void expect_error(const PathfinderOptions& o, const std::vector<std::string>& parts) {
  try {
    make_pathfinder_splits(o);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Pathfinder, ReadsImagesLabelsAndSplits) {
  const PathfinderDir d(10);
  PathfinderOptions o = options(d);
  Splits s = make_pathfinder_splits(o);
  EXPECT_EQ(s.train->size(), 16);
  EXPECT_EQ(s.val->size(), 2);
  EXPECT_EQ(s.test->size(), 2);
  EXPECT_EQ(s.info.d_input, 1);
  EXPECT_EQ(s.info.d_output, 2);
  EXPECT_EQ(s.info.spatial_shape, std::vector<int64_t>{1024});
  // Every image appears once across the splits, with its label and pixels / 255.
  std::vector<int> found(20, 0);
  for (const auto& ds : {s.train, s.val, s.test})
    for (int64_t i = 0; i < ds->size(); ++i) {
      const Example e = ds->get(i, nullptr);
      ASSERT_EQ(e.x.sizes(), (std::vector<int64_t>{1, 1024}));
      int image = -1;  // the one whose first two pixels match
      for (int c = 0; c < 20; ++c)
        if (std::abs(e.x[0][0].item<float>() - pathfinder_pixel(c, 0) / 255.0) < 1e-6 &&
            std::abs(e.x[0][1].item<float>() - pathfinder_pixel(c, 1) / 255.0) < 1e-6)
          image = c;
      ASSERT_GE(image, 0);
      ++found[static_cast<size_t>(image)];
      EXPECT_EQ(e.y.item<int64_t>(), image % 2);
      EXPECT_NEAR(e.x[0][1023].item<float>(), pathfinder_pixel(image, 1023) / 255.0, 1e-6);
    }
  EXPECT_EQ(found, std::vector<int>(20, 1));

  o.layout = ImageLayout::Image;
  o.split.val_split = 0.0;
  o.test_split = 0.25;
  s = make_pathfinder_splits(o);
  EXPECT_EQ(s.val, nullptr);
  EXPECT_EQ(s.test->size(), 5);
  EXPECT_EQ(s.test->get(0, nullptr).x.sizes(), (std::vector<int64_t>{1, 32, 32}));
}

TEST(Pathfinder, DifficultyPicksTheDirectoryAndRgbIsConvertedToGrey) {
  const PathfinderDir d(2, "curv_baseline");
  PathfinderOptions o = options(d);
  expect_error(o, {"curv_contour_length_14", "no such directory"});
  o.difficulty = PathfinderDifficulty::Easy;
  o.split.val_split = o.test_split = 0.0;
  std::vector<uint8_t> rgb(kSide * kSide * 3);
  for (size_t k = 0; k < rgb.size(); k += 3) rgb[k] = 255;  // pure red: PIL grey 76
  write_png(d.file("imgs/2/sample_0.png"), kSide, kSide, 3, rgb);
  const Splits s = make_pathfinder_splits(o);
  EXPECT_EQ(s.train->size(), 4);
  EXPECT_NEAR(s.train->get(0, nullptr).x[0][5].item<float>(), 76 / 255.0, 1e-6);
}

TEST(Pathfinder, BrokenFilesNameTheFile) {
  const PathfinderDir d(3);
  const PathfinderOptions o = options(d);
  const std::string png = d.file("imgs/10/sample_4.png");
  const auto bytes = longconv::testing_idx::read_raw(png);

  longconv::testing_idx::write_raw(png, {bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() / 2)});
  expect_error(o, {"sample_4.png", "corrupt PNG"});
  auto corrupt = bytes;
  for (size_t k = 40; k < corrupt.size() - 12; ++k) corrupt[k] ^= 0x5a;
  longconv::testing_idx::write_raw(png, corrupt);
  expect_error(o, {"sample_4.png", "corrupt PNG"});
  longconv::testing_idx::write_raw(png, {});
  expect_error(o, {"sample_4.png", "empty file"});
  longconv::testing_idx::write_raw(png, {'G', 'I', 'F', '8', '9', 'a', 0, 0, 0, 0});
  expect_error(o, {"sample_4.png", "not a PNG"});
  fs::remove(png);
  expect_error(o, {"sample_4.png", "no such file"});
  write_png(png, 16, 32, 1, std::vector<uint8_t>(16 * 32));
  expect_error(o, {"sample_4.png", "16x32, expected 32x32"});
  write_png(png, 32, 32, 1, std::vector<uint8_t>(32 * 32));

  std::ofstream(d.file("metadata/10.npy"), std::ios::app) << "imgs/10 sample_4.png 9 7 6\n";
  expect_error(o, {"10.npy", "line 4", "label '7'"});
  std::ofstream(d.file("metadata/10.npy")) << "imgs/10 sample_4.png\n";
  expect_error(o, {"10.npy", "line 1", "expected"});
  std::ofstream(d.file("metadata/x1.npy")) << "\n";
  expect_error(o, {"x1.npy", "not <number>.npy"});
  fs::remove(d.file("metadata/x1.npy"));
  fs::remove(d.file("metadata/10.npy"));
  fs::remove(d.file("metadata/2.npy"));
  expect_error(o, {"metadata", "no metadata"});
}

TEST(PngReader, ExpandsChannelsAndDepths) {
  longconv::test::TempDir dir;
  const std::vector<uint8_t> rgba = {1, 2, 3, 4, 5, 6, 7, 8};
  write_png(dir.file("a.png"), 2, 1, 4, rgba);
  const auto image = longconv::io::read_png(dir.file("a.png"));
  EXPECT_EQ(image.width, 2);
  EXPECT_EQ(image.height, 1);
  EXPECT_EQ(image.channels, 4);
  EXPECT_EQ(image.pixels, rgba);
}
