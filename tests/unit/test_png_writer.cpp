#include <gtest/gtest.h>

#include <png.h>

#include <fstream>

#include "io/image_grid.h"
#include "io/png_writer.h"
#include "support/temp_dir.h"

namespace {

// Decodes PNG bytes with libpng's simplified API into [C, H, W].
torch::Tensor decode(const std::string& bytes, int64_t channels) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()));
  image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  auto out = torch::empty({image.height, image.width, channels}, torch::kUInt8);
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, out.data_ptr<uint8_t>(), 0, nullptr));
  return out.permute({2, 0, 1});
}

TEST(PngWriter, RoundTripsGreyAndRgb) {
  for (const int64_t c : {1, 3}) {
    const auto image = torch::randint(0, 256, {c, 5, 7}, torch::kLong).to(torch::kUInt8);
    EXPECT_TRUE(torch::equal(decode(longconv::io::encode_png(image), c), image)) << c;
  }
}

TEST(PngWriter, WritesTheFileAndRejectsBadImages) {
  longconv::test::TempDir dir;
  const auto image = torch::full({1, 2, 3}, 200, torch::kUInt8);
  longconv::io::write_png(dir.file("a.png"), image);
  std::ifstream in(dir.file("a.png"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, longconv::io::encode_png(image));
  EXPECT_THROW(longconv::io::encode_png(torch::zeros({2, 3, 3}, torch::kUInt8)), c10::Error);
  EXPECT_THROW(longconv::io::encode_png(torch::zeros({1, 3, 3})), c10::Error);
}

TEST(ImageGrid, TilesRowMajorAndScalesPixels) {
  const auto images = torch::arange(5, torch::kLong).to(torch::kUInt8).view({5, 1, 1, 1}).expand({5, 1, 2, 2});
  const auto grid = longconv::io::image_grid(images, 2);
  ASSERT_EQ(grid.sizes(), (std::vector<int64_t>{1, 6, 4}));
  EXPECT_EQ(grid[0][0][2].item<int>(), 1);
  EXPECT_EQ(grid[0][4][1].item<int>(), 4);
  EXPECT_EQ(grid[0][4][3].item<int>(), 0);  // empty cell
  const auto px = longconv::io::pixels_to_uint8(torch::tensor({-1.0, 1.0, 0.0, -2.0}));
  EXPECT_EQ(px[0].item<int>(), 0);
  EXPECT_EQ(px[1].item<int>(), 255);
  EXPECT_EQ(px[2].item<int>(), 128);
  EXPECT_EQ(px[3].item<int>(), 0);
}

}  // namespace
