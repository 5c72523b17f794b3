#include <gtest/gtest.h>

#include <filesystem>

#include "data/datasets/stl10.h"
#include "support/idx_writer.h"
#include "support/stl10_writer.h"
#include "support/temp_dir.h"

using namespace longconv::data;
using longconv::test::kStl10Side;
using longconv::test::stl10_pixel;
using longconv::test::write_stl10_split;
using longconv::testing_idx::Bytes;
using longconv::testing_idx::write_raw;

namespace {

Stl10Options options(const longconv::test::TempDir& dir, int64_t size) {
  Stl10Options o;
  o.data_dir = dir.path().string();
  o.size = size;
  o.split.val_split = 0.0;
  return o;
}

void expect_error(const Stl10Options& o, const std::vector<std::string>& parts) {
  try {
    make_stl10_splits(o);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Stl10, ColumnMajorPixelsLabelsAndNormalization) {
  longconv::test::TempDir dir;
  write_stl10_split(dir.path().string(), "train", 0, 6);
  write_stl10_split(dir.path().string(), "test", 10, 2);
  const Splits s = make_stl10_splits(options(dir, 96));
  EXPECT_EQ(s.train->size(), 6);
  EXPECT_EQ(s.test->size(), 2);
  EXPECT_EQ(s.info.d_input, 3);
  EXPECT_EQ(s.info.spatial_shape, (std::vector<int64_t>{96, 96}));
  const double mean[] = {0.44671097, 0.4398105, 0.4066468}, stddev[] = {0.2603405, 0.25657743, 0.27126738};
  const Example e = s.test->get(1, nullptr);
  ASSERT_EQ(e.x.sizes(), (std::vector<int64_t>{3, 96, 96}));
  EXPECT_EQ(e.y.item<int64_t>(), 1);  // stored 2, classes are 0-based
  for (int64_t c = 0; c < 3; ++c)
    for (auto [row, col] : {std::pair<int64_t, int64_t>{0, 1}, {5, 90}, {95, 3}})
      EXPECT_NEAR(e.x[c][row][col].item<float>(), (stl10_pixel(11, c, row, col) / 255.0 - mean[c]) / stddev[c], 1e-5);
}

TEST(Stl10, ResizeAndAugmentation) {
  longconv::test::TempDir dir;
  write_stl10_split(dir.path().string(), "train", 0, 4);
  write_stl10_split(dir.path().string(), "test", 0, 1);
  Stl10Options o = options(dir, 32);
  o.augment = true;
  o.layout = ImageLayout::Sequence;
  const Splits s = make_stl10_splits(o);
  EXPECT_EQ(s.info.max_length, 32 * 32);
  const torch::Tensor plain = s.train->get(2, nullptr).x;
  EXPECT_EQ(plain.sizes(), (std::vector<int64_t>{3, 32 * 32}));
  std::mt19937_64 a(3), b(3), c(4);
  const torch::Tensor x = s.train->get(2, &a).x;
  EXPECT_EQ(x.sizes(), plain.sizes());
  EXPECT_TRUE(torch::equal(x, s.train->get(2, &b).x));
  EXPECT_FALSE(torch::equal(x, plain));
  EXPECT_FALSE(torch::equal(x, s.train->get(2, &c).x));
  // A constant image stays constant under resizing (the test split is never augmented).
  write_raw(dir.file("test_X.bin"), Bytes(3 * kStl10Side * kStl10Side, 200));
  const torch::Tensor flat = make_stl10_splits(o).test->get(0, nullptr).x;
  EXPECT_NEAR(flat[0][100].item<float>(), (200 / 255.0 - 0.44671097) / 0.2603405, 1e-5);
  EXPECT_NEAR(flat.std(/*dim=*/1).abs().max().item<float>(), 0.0, 1e-6);  // per channel
}

TEST(Stl10, MalformedFilesNameTheFile) {
  longconv::test::TempDir dir;
  write_stl10_split(dir.path().string(), "train", 0, 3);
  write_stl10_split(dir.path().string(), "test", 0, 2);
  const Stl10Options o = options(dir, 96);
  write_raw(dir.file("test_y.bin"), Bytes{1, 2, 3});
  expect_error(o, {"test_y.bin", "3 labels for 2 images"});
  write_raw(dir.file("test_y.bin"), Bytes{1, 11});
  expect_error(o, {"test_y.bin", "label 11 of image 1"});
  write_raw(dir.file("test_y.bin"), Bytes{0, 1});
  expect_error(o, {"test_y.bin", "label 0 of image 0"});
  write_raw(dir.file("test_X.bin"), Bytes(3 * kStl10Side * kStl10Side + 7, 0));
  expect_error(o, {"test_X.bin", "not a whole number"});
  write_stl10_split(dir.path().string(), "test", 0, 2);
  std::filesystem::remove(dir.file("train_X.bin"));
  expect_error(o, {"train_X.bin", "no such file"});
}
