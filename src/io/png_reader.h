// PNG decoding through libpng, for image datasets stored as PNG files (LRA Pathfinder).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace longconv::io {

// 8 bits per channel, rows top to bottom, channels interleaved: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. Palette images
// come out as RGB(A), low bit depths are scaled up to 8 bits, 16-bit samples keep their high byte.
struct PngImage {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // [height, width, channels]
};

// Throws std::runtime_error "<path>: <what is wrong>" for a missing, empty, truncated or corrupt file.
PngImage read_png(const std::string& path);

}  // namespace longconv::io
