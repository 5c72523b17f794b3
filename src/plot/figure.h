// A PNG figure of line and image panels drawn by PLplot (its cairo driver rendering into memory: no display, no
// temporary file). Panels fill a columns x rows grid, row by row.
//
// Line panels: x spans the finite data (padded by 3% of its range when a series has markers, so that none is cut),
// y the finite data padded by 5% of its range on both sides (a flat curve gets +-0.5, or 5% of its value); the legend
// (series with a label and a finite point) sits right of the frame, where it hides no curve. Image panels map values
// linearly onto a blue-white-red scale symmetric about 0 (kernels, weights), or onto a sequential scale when every
// value is >= 0, with a colour bar beside them.
//
// PLplot keeps global state: use one Figure at a time per process (the CLI and tests are single-threaded here).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace longconv::plot {

struct Series {
  std::string label;  // empty: not in the legend
  std::vector<double> x, y;
  bool markers = false;    // a symbol at every point (curves of a few epochs)
  bool reference = false;  // a dashed line in the axes' colour (a threshold), not data
};

struct LinePanel {
  std::string title, x_label, y_label;
  std::vector<Series> series;  // series i in series_colour(i), reference lines aside
};

struct ImagePanel {
  std::string title, x_label, y_label;
  torch::Tensor values;  // [rows, cols], row 0 at the top; NaN cells stay blank (gaps between tiles)
  // World coordinates of the left/right and bottom/top edges, for the axes.
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  bool square_cells = true;  // false: the cells stretch to fill the panel (a matrix of very unequal sides)
};

class Figure {
 public:
  // Throws std::runtime_error when PLplot's cairo driver is missing or the sizes are not positive.
  Figure(int64_t width, int64_t height, int64_t columns = 1, int64_t rows = 1);
  ~Figure();
  Figure(const Figure&) = delete;
  Figure& operator=(const Figure&) = delete;

  void lines(const LinePanel& panel);
  void image(const ImagePanel& panel);
  void skip();  // leaves the next panel empty

  // Ends the figure; uint8 [3, height, width]. No panel may follow.
  torch::Tensor pixels();
  // pixels() as a PNG, written atomically; errors name the path.
  void save(const std::string& path);

  // The RGB colour of the i-th series of a line panel (tests find curves by it).
  static std::array<uint8_t, 3> series_colour(size_t i);

 private:
  struct Stream;
  void next_panel();

  int64_t width_, height_, panels_, used_ = 0;
  std::vector<uint8_t> memory_;  // [height, width, 3], what the driver draws into
  std::unique_ptr<Stream> stream_;
  bool finished_ = false;
};

}  // namespace longconv::plot
