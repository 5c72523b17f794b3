#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "data/datasets/cifar.h"
#include "data/image_dataset.h"
#include "support/cifar_writer.h"
#include "support/idx_writer.h"
#include "support/temp_dir.h"

using namespace longconv::data;
using longconv::test::cifar_pixel;
using longconv::test::cifar_records;
using longconv::test::kCifarPixels;
using longconv::test::write_cifar10;
using longconv::testing_idx::Bytes;
using longconv::testing_idx::write_raw;

namespace {

CifarOptions options(const std::string& dir) {
  CifarOptions o;
  o.data_dir = dir;
  o.split.val_split = 0.0;
  return o;
}

std::vector<float> values(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void expect_error(const CifarOptions& o, const std::vector<std::string>& parts) {
  try {
    make_cifar_splits(o);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Cifar, Cifar10PixelsLabelsAndLayouts) {
  longconv::test::TempDir dir;
  write_cifar10(dir.path().string());
  CifarOptions o = options(dir.path().string());
  o.stats = CifarStats::Multires;
  Splits s = make_cifar_splits(o);
  EXPECT_EQ(s.train->size(), 20);
  EXPECT_EQ(s.val, nullptr);
  EXPECT_EQ(s.test->size(), 3);
  EXPECT_EQ(s.info.d_input, 3);
  EXPECT_EQ(s.info.d_output, 10);
  EXPECT_EQ(s.info.spatial_shape, std::vector<int64_t>{1024});
  const double mean[] = {0.4914, 0.4822, 0.4465}, stddev[] = {0.2023, 0.1994, 0.2010};
  for (int64_t i : {0, 6, 19}) {
    const Example e = s.train->get(i, nullptr);
    ASSERT_EQ(e.x.sizes(), (std::vector<int64_t>{3, kCifarPixels}));
    EXPECT_EQ(e.y.item<int64_t>(), i % 10);
    const auto v = values(e.x);
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t k : {0L, 33L, 1023L})
        EXPECT_NEAR(v[c * kCifarPixels + k], (cifar_pixel(i, c, k) / 255.0 - mean[c]) / stddev[c], 1e-5);
  }
  EXPECT_EQ(s.test->get(2, nullptr).y.item<int64_t>(), 102 % 10);

  o.layout = ImageLayout::Image;
  o.stats = CifarStats::Ccnn;
  o.split.val_split = 0.25;
  s = make_cifar_splits(o);
  EXPECT_EQ(s.train->size(), 15);
  EXPECT_EQ(s.val->size(), 5);
  EXPECT_EQ(s.info.spatial_shape, (std::vector<int64_t>{32, 32}));
  const Example e = s.test->get(0, nullptr);
  ASSERT_EQ(e.x.sizes(), (std::vector<int64_t>{3, 32, 32}));
  EXPECT_NEAR(e.x[2][1][3].item<float>(), (cifar_pixel(100, 2, 35) / 255.0 - 0.4465) / 0.261, 1e-5);
}

TEST(Cifar, DensityTaskRescalesPixelsToPlusMinusOne) {
  longconv::test::TempDir dir;
  write_cifar10(dir.path().string());
  CifarOptions o = options(dir.path().string());
  o.task = Task::Density;
  const Splits s = make_cifar_splits(o);
  EXPECT_EQ(s.info.task, Task::Density);
  const auto v = values(s.train->get(7, nullptr).x);
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t k : {0L, 511L, 1023L})
      EXPECT_NEAR(v[c * kCifarPixels + k], (cifar_pixel(7, c, k) / 255.0 - 0.5) * 2.0, 1e-6);
}

TEST(Cifar, GrayscaleIsPilLumaWithLraStatistics) {
  longconv::test::TempDir dir;
  write_cifar10(dir.path().string());
  CifarOptions o = options(dir.path().string());
  o.grayscale = true;
  const Splits s = make_cifar_splits(o);
  EXPECT_EQ(s.info.d_input, 1);
  const Example e = s.train->get(5, nullptr);
  ASSERT_EQ(e.x.sizes(), (std::vector<int64_t>{1, kCifarPixels}));
  for (int64_t k : {0L, 500L, 1023L}) {
    // PIL: L = R * 299/1000 + G * 587/1000 + B * 114/1000, rounded.
    const double luma = cifar_pixel(5, 0, k) * 0.299 + cifar_pixel(5, 1, k) * 0.587 + cifar_pixel(5, 2, k) * 0.114;
    const double x = e.x[0][k].item<float>() * (61.0 / 255.0) + 122.6 / 255.0;
    EXPECT_NEAR(x * 255.0, std::round(luma), 1.01) << k;
    EXPECT_NEAR(x * 255.0, std::round(x * 255.0), 1e-3) << k;  // an integer grey level
  }
}

TEST(Cifar, Cifar100UsesFineLabels) {
  longconv::test::TempDir dir;
  longconv::test::write_cifar100(dir.path().string(), 7, 3);
  CifarOptions o = options(dir.path().string());
  o.classes = 100;
  const Splits s = make_cifar_splits(o);
  EXPECT_EQ(s.info.d_output, 100);
  EXPECT_EQ(s.train->size(), 7);
  EXPECT_EQ(s.test->get(2, nullptr).y.item<int64_t>(), 97);
  EXPECT_NEAR(s.train->get(1, nullptr).x[1][0].item<float>(), (cifar_pixel(1, 1, 0) / 255.0 - 0.4867) / 0.2565, 1e-5);
  o.stats = CifarStats::Multires;
  expect_error(o, {"CifarOptions::stats", "CIFAR-100"});
}

TEST(Cifar, AugmentIsASeededSymmetricCropAndFlip) {
  longconv::test::TempDir dir;
  write_cifar10(dir.path().string());
  CifarOptions o = options(dir.path().string());
  o.layout = ImageLayout::Image;
  o.augment = true;
  const Splits s = make_cifar_splits(o);
  const torch::Tensor plain = s.train->get(3, nullptr).x;
  bool changed = false;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    std::mt19937_64 a(seed), b(seed);
    const torch::Tensor x = s.train->get(3, &a).x;
    EXPECT_TRUE(torch::equal(x, s.train->get(3, &b).x));
    changed = changed || !torch::equal(x, plain);
    // Every augmented pixel is some pixel of the same channel of the original.
    for (int64_t c = 0; c < 3; ++c) {
      const auto original = values(plain[c]);
      const float v = x[c][16][16].item<float>();
      EXPECT_NE(std::find(original.begin(), original.end(), v), original.end());
    }
  }
  EXPECT_TRUE(changed);
  EXPECT_TRUE(torch::equal(s.test->get(1, nullptr).x, s.test->get(1, nullptr).x));
}

TEST(Cifar, RandomCropFlipMirrorsEdges) {
  // 1 channel 3x3 image 0..8, crop 3 with padding 1: every output is a window of the symmetric-padded 5x5 image.
  const torch::Tensor image = torch::arange(9, torch::kUInt8).view({1, 3, 3});
  const int64_t padded[5][5] = {{0, 0, 1, 2, 2}, {0, 0, 1, 2, 2}, {3, 3, 4, 5, 5}, {6, 6, 7, 8, 8}, {6, 6, 7, 8, 8}};
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 30; ++trial) {
    const torch::Tensor out = random_crop_flip(image, 3, 1, rng);
    bool found = false;
    for (int top = 0; top < 3 && !found; ++top)
      for (int left = 0; left < 3 && !found; ++left)
        for (bool flip : {false, true}) {
          bool same = true;
          for (int y = 0; y < 3; ++y)
            for (int x = 0; x < 3; ++x)
              same = same && out[0][y][x].item<int64_t>() == padded[top + y][left + (flip ? 2 - x : x)];
          found = found || same;
        }
    EXPECT_TRUE(found) << out;
  }
}

TEST(Cifar, TruncatedCorruptAndMissingFilesNameTheFile) {
  longconv::test::TempDir dir;
  write_cifar10(dir.path().string());
  const CifarOptions o = options(dir.path().string());
  Bytes b = cifar_records(0, 4, 1, 10);
  b.resize(b.size() - 100);
  write_raw(dir.file("data_batch_3.bin"), b);
  expect_error(o, {"data_batch_3.bin", "not a whole number of 3073-byte records"});
  write_raw(dir.file("data_batch_3.bin"), Bytes());
  expect_error(o, {"data_batch_3.bin", "0 bytes"});
  b = cifar_records(0, 4, 1, 10);
  b[3073 * 2] = 10;
  write_raw(dir.file("data_batch_3.bin"), b);
  expect_error(o, {"data_batch_3.bin", "label 10 of record 2"});
  std::filesystem::remove(dir.file("data_batch_3.bin"));
  expect_error(o, {"data_batch_3.bin", "no such file"});
  std::filesystem::create_directory(dir.file("data_batch_3.bin"));
  expect_error(o, {"data_batch_3.bin", "not a regular file"});
  CifarOptions bad = o;
  bad.data_dir = dir.file("nowhere");
  expect_error(bad, {"nowhere", "no such directory"});
  // CIFAR-100 records are one byte longer; a CIFAR-10 file there is malformed.
  write_raw(dir.file("train.bin"), cifar_records(0, 3, 1, 10));
  write_raw(dir.file("test.bin"), cifar_records(0, 3, 2, 100));
  bad = o;
  bad.classes = 100;
  expect_error(bad, {"train.bin", "3074-byte records"});
}
