#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "io/jpeg_reader.h"
#include "support/helpers.h"
#include "support/jpeg_test_writer.h"

using longconv::io::read_jpeg;
using longconv::test::error_of;
using longconv::test::TempDir;
using longconv::test::write_file;

namespace {

// A smooth gradient, which JPEG keeps within a few levels.
std::vector<uint8_t> gradient(int width, int height, int channels) {
  std::vector<uint8_t> p;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c) p.push_back(static_cast<uint8_t>(4 * x + 8 * y + 40 * c));
  return p;
}

}  // namespace

TEST(JpegReader, DecodesGreyAndColour) {
  TempDir dir;
  for (int channels : {1, 3}) {
    const std::vector<uint8_t> pixels = gradient(16, 8, channels);
    longconv::test::write_jpeg(dir.file("a.jpg"), 16, 8, channels, pixels);
    const auto image = read_jpeg(dir.file("a.jpg"));
    EXPECT_EQ(image.width, 16);
    EXPECT_EQ(image.height, 8);
    EXPECT_EQ(image.channels, channels);
    ASSERT_EQ(image.pixels.size(), pixels.size());
    int worst = 0;
    for (size_t i = 0; i < pixels.size(); ++i) worst = std::max(worst, std::abs(image.pixels[i] - pixels[i]));
    EXPECT_LE(worst, 6) << channels << " channels";
  }
}

TEST(JpegReader, RejectsBadFiles) {
  TempDir dir;
  longconv::test::write_jpeg(dir.file("a.jpg"), 16, 16, 3, gradient(16, 16, 3));
  const std::string good = longconv::io::read_file(dir.file("a.jpg"));
  const auto expect = [&](const std::string& bytes, const char* word) {
    write_file(dir.file("b.jpg"), bytes);
    const std::string msg = error_of([&] { read_jpeg(dir.file("b.jpg")); });
    EXPECT_EQ(msg.rfind(dir.file("b.jpg") + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(word), std::string::npos) << msg;
  };
  expect("", "empty file");
  expect("\x89PNG\r\n\x1a\n", "not a JPEG file");
  expect(good.substr(0, good.size() / 2), "corrupt JPEG");
  expect(good.substr(0, 40), "corrupt JPEG");
  EXPECT_NE(error_of([&] { read_jpeg(dir.file("none.jpg")); }).find("none.jpg"), std::string::npos);
}

// Found while writing fuzz_jpeg (2.6 s for this 1 KB input under ASan): the size limit was checked after
// jpeg_start_decompress, which for a progressive file allocates and fills the whole image's coefficient buffers; the
// error was then the truncated data's, the limit never applied.
TEST(JpegReader, RefusesHugeProgressiveImagesBeforeDecoding) {
  TempDir dir;
  longconv::test::write_jpeg(dir.file("a.jpg"), 16, 16, 3, gradient(16, 16, 3), 95, /*progressive=*/true);
  std::string bytes = longconv::io::read_file(dir.file("a.jpg"));
  const size_t sof2 = bytes.find("\xff\xc2");
  ASSERT_NE(sof2, std::string::npos);
  for (size_t at : {sof2 + 5, sof2 + 7}) bytes.replace(at, 2, "\xea\x60");  // height, width: 60000
  write_file(dir.file("big.jpg"), bytes);
  EXPECT_NE(error_of([&] { read_jpeg(dir.file("big.jpg")); }).find("image of 60000 x 60000 pixels, larger than 2^28"),
            std::string::npos);
}
