// Test helper: STL-10 binary files (<split>_X.bin: 96x96x3 images stored channel by channel, each channel column-major;
// <split>_y.bin: labels 1..10) with deterministic contents.
#pragma once

#include <cstdint>
#include <string>

#include "support/idx_writer.h"

namespace longconv::test {

constexpr int64_t kStl10Side = 96;

inline uint8_t stl10_pixel(int64_t image, int64_t channel, int64_t row, int64_t col) {
  return static_cast<uint8_t>((image * 41 + channel * 97 + row * 5 + col * 11) % 256);
}

// Images first..first+n-1 into <dir>/<split>_X.bin and <split>_y.bin; image i has label i % 10 + 1.
inline void write_stl10_split(const std::string& dir, const std::string& split, int64_t first, int64_t n) {
  testing_idx::Bytes x, y;
  for (int64_t i = first; i < first + n; ++i) {
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t col = 0; col < kStl10Side; ++col)
        for (int64_t row = 0; row < kStl10Side; ++row) x.push_back(stl10_pixel(i, c, row, col));
    y.push_back(static_cast<uint8_t>(i % 10 + 1));
  }
  testing_idx::write_raw(dir + "/" + split + "_X.bin", x);
  testing_idx::write_raw(dir + "/" + split + "_y.bin", y);
}

}  // namespace longconv::test
