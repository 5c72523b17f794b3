// Test helper: writes 8-bit PNGs with libpng (grey, grey+alpha, RGB or RGBA by channel count).
#pragma once

#include <png.h>

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace longconv::testing_png {

// pixels: [height, width, channels] row-major.
inline void write_png(const std::string& path, int width, int height, int channels,
                      const std::vector<uint8_t>& pixels) {
  static const int kColorTypes[] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                    PNG_COLOR_TYPE_RGB_ALPHA};
  ASSERT_EQ(pixels.size(), static_cast<size_t>(width * height * channels)) << path;
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    FAIL() << "libpng failed writing " << path;
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, width, height, 8, kColorTypes[channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < height; ++y)
    png_write_row(png, const_cast<png_bytep>(pixels.data() + static_cast<size_t>(y * width * channels)));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

}  // namespace longconv::testing_png
