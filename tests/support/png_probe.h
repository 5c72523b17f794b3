// Reading plots back: a PNG as an [H, W, 3] image, the frame PLplot draws around a panel, and where pixels of a
// colour lie. For tests that check a figure puts a curve's extremes where they belong.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "io/png_reader.h"

namespace longconv::test {

struct Rgb {
  io::DecodedImage png;
  int64_t width() const { return png.width; }
  int64_t height() const { return png.height; }
  std::array<int, 3> at(int64_t row, int64_t col) const {
    const size_t i = static_cast<size_t>((row * png.width + col) * png.channels);
    return {png.pixels[i], png.pixels[i + 1], png.pixels[i + 2]};
  }
};

// Reads an RGB PNG, failing the test unless it is `width` x `height`.
inline Rgb read_rgb(const std::string& path, int64_t width, int64_t height) {
  Rgb image{io::read_png(path)};
  EXPECT_EQ(image.png.width, width) << path;
  EXPECT_EQ(image.png.height, height) << path;
  EXPECT_EQ(image.png.channels, 3) << path;
  return image;
}

// A panel's frame: the columns of its left and right edges, the rows of its top and bottom ones.
struct Frame {
  int64_t left = 0, right = 0, top = 0, bottom = 0;
};

// The frame inside columns [col0, col1): the dark (black or antialiased grey) lines longest in each half of the
// region, which only the frame's edges are (tick marks and text are short). The right edge is the leftmost column
// nearly as long as the longest, so that a colour bar's frame right of the panel's is not taken for it.
inline Frame find_frame(const Rgb& image, int64_t col0, int64_t col1) {
  const auto dark = [&](int64_t r, int64_t c) {
    const auto p = image.at(r, c);
    const int hi = std::max({p[0], p[1], p[2]}), lo = std::min({p[0], p[1], p[2]});
    return hi < 170 && hi - lo < 40;
  };
  std::vector<int64_t> per_col(static_cast<size_t>(image.width()), 0), per_row(static_cast<size_t>(image.height()), 0);
  for (int64_t r = 0; r < image.height(); ++r)
    for (int64_t c = col0; c < col1; ++c)
      if (dark(r, c)) {
        ++per_col[static_cast<size_t>(c)];
        ++per_row[static_cast<size_t>(r)];
      }
  const auto longest = [](const std::vector<int64_t>& counts, int64_t from, int64_t to) {
    int64_t best = from;
    for (int64_t i = from; i < to; ++i)
      if (counts[static_cast<size_t>(i)] > counts[static_cast<size_t>(best)]) best = i;
    return best;
  };
  const int64_t mid_col = (col0 + col1) / 2, mid_row = image.height() / 2;
  const int64_t right_max = per_col[static_cast<size_t>(longest(per_col, mid_col, col1))];
  int64_t right = mid_col;
  while (per_col[static_cast<size_t>(right)] * 10 < right_max * 9) ++right;
  return {longest(per_col, col0, mid_col), right, longest(per_row, 0, mid_row),
          longest(per_row, mid_row, image.height())};
}

// The topmost and bottommost rows holding a pixel within `tolerance` (sum of channel differences) of `colour` inside
// the frame, with the mean column of that colour's pixels on each; nullopt when the colour is absent.
struct Extremes {
  int64_t top_row, top_col, bottom_row, bottom_col;
};
inline std::optional<Extremes> colour_extremes(const Rgb& image, const Frame& f, std::array<uint8_t, 3> colour,
                                               int tolerance = 60) {
  const auto matches = [&](int64_t r, int64_t c) {
    const auto p = image.at(r, c);
    return std::abs(p[0] - colour[0]) + std::abs(p[1] - colour[1]) + std::abs(p[2] - colour[2]) <= tolerance;
  };
  const auto mean_col = [&](int64_t r) {
    int64_t sum = 0, n = 0;
    for (int64_t c = f.left + 1; c < f.right; ++c)
      if (matches(r, c)) sum += c, ++n;
    return n ? sum / n : -1;
  };
  std::optional<int64_t> top, bottom;
  for (int64_t r = f.top + 1; r < f.bottom; ++r)
    if (mean_col(r) >= 0) {
      if (!top) top = r;
      bottom = r;
    }
  if (!top) return std::nullopt;
  return Extremes{*top, mean_col(*top), *bottom, mean_col(*bottom)};
}

}  // namespace longconv::test
