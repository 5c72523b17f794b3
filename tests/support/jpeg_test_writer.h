// Test helper: JPEG files through libjpeg-turbo (grey or RGB, baseline, quality 95).
#pragma once

#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace longconv::test {

// pixels: [height, width, channels] row-major, channels 1 or 3. `progressive`: libjpeg's simple progression script.
inline void write_jpeg(const std::string& path, int width, int height, int channels, const std::vector<uint8_t>& pixels,
                       int quality = 95, bool progressive = false) {
  ASSERT_EQ(pixels.size(), static_cast<size_t>(width * height * channels)) << path;
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  jpeg_compress_struct info{};
  jpeg_error_mgr error{};
  info.err = jpeg_std_error(&error);
  jpeg_create_compress(&info);
  jpeg_stdio_dest(&info, f);
  info.image_width = static_cast<JDIMENSION>(width);
  info.image_height = static_cast<JDIMENSION>(height);
  info.input_components = channels;
  info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  if (progressive) jpeg_simple_progression(&info);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels.data()) + info.next_scanline * width * channels;
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  std::fclose(f);
}

}  // namespace longconv::test
