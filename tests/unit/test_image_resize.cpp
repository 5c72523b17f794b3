#include <gtest/gtest.h>

#include <vector>

#include "data/image_resize.h"

using longconv::data::resize_bilinear;

namespace {

// The 8x6 RGB test image: pixel (y, x, c) = (24 y + 3 x + c) * 7 mod 256, as [C, H, W].
torch::Tensor test_image() {
  return (torch::arange(8 * 6 * 3, torch::kInt64).reshape({6, 8, 3}) * 7 % 256).to(torch::kUInt8).permute({2, 0, 1});
}

}  // namespace

// PIL 9.4's Image.resize(size, Image.BILINEAR) of the test image: the first channel's first values.
TEST(ImageResize, MatchesPilBilinearShrinkingAndEnlarging) {
  const struct {
    int64_t width, height;
    std::vector<int64_t> pil;
  } cases[] = {
      {3, 2, {114, 138, 118, 128, 142, 122}},
      {5, 4, {72, 103, 133, 92, 105, 125, 140, 170, 137, 152, 151, 98, 128, 95, 110, 114, 145, 175, 134, 147}},
      {16, 12, {0, 5, 16, 26, 37, 47, 58, 68, 79, 89, 100, 110, 121, 131, 142, 147}},
  };
  for (const auto& c : cases) {
    const torch::Tensor out = resize_bilinear(test_image(), c.height, c.width);
    ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, c.height, c.width}));
    const torch::Tensor first = out[0].flatten().slice(0, 0, static_cast<int64_t>(c.pil.size())).to(torch::kInt64);
    const int64_t worst = (first - torch::tensor(c.pil)).abs().max().item<int64_t>();
    EXPECT_LE(worst, 1) << c.width << "x" << c.height << ": " << first;
  }
  EXPECT_TRUE(resize_bilinear(test_image(), 6, 8).equal(test_image()));
}

