// An 8-bit image as the PNG and JPEG readers decode it.
#pragma once

#include <cstdint>
#include <vector>

namespace longconv::io {

// The largest image the readers decode: a corrupt header could otherwise ask for an absurd allocation.
inline constexpr uint64_t kMaxDecodedPixels = uint64_t{1} << 28;

// Rows top to bottom, channels interleaved: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
struct DecodedImage {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // [height, width, channels]
};

}  // namespace longconv::io
