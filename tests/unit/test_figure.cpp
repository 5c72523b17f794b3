// plot::Figure draws through PLplot: the PNG has the asked size, and a known curve's maximum and minimum land at the
// pixels its axes put them (x spans the data, y the data padded by 5% of its range).
#include <gtest/gtest.h>

#include <cmath>

#include "plot/figure.h"
#include "support/png_probe.h"
#include "support/temp_dir.h"

namespace {

using longconv::plot::Figure;
using longconv::plot::Series;

// Pixel column of x, row of y in a frame whose window is [x0, x1] x [y0, y1].
double column_of(const longconv::test::Frame& f, double x, double x0, double x1) {
  return f.left + (x - x0) / (x1 - x0) * static_cast<double>(f.right - f.left);
}
double row_of(const longconv::test::Frame& f, double y, double y0, double y1) {
  return f.bottom - (y - y0) / (y1 - y0) * static_cast<double>(f.bottom - f.top);
}

TEST(Figure, WritesAPngOfTheAskedSize) {
  longconv::test::TempDir dir;
  Figure figure(321, 207);
  figure.lines({"t", "x", "y", {{"a", {0, 1}, {0, 1}}}});
  figure.save(dir.file("f.png"));
  const auto image = longconv::test::read_rgb(dir.file("f.png"), 321, 207);
  EXPECT_EQ(image.at(0, 0), (std::array<int, 3>{255, 255, 255}));  // white background
}

TEST(Figure, PutsACurvesExtremesWhereTheyBelong) {
  longconv::test::TempDir dir;
  // Maximum 3 at x = 2, minimum -1 at x = 8, on x in [0, 10]: the window is [0, 10] x [-1.2, 3.2].
  Series s{"", {0, 2, 8, 10}, {1, 3, -1, 0}};
  Figure figure(600, 400);
  figure.lines({"", "x", "y", {s}});
  figure.save(dir.file("curve.png"));
  const auto image = longconv::test::read_rgb(dir.file("curve.png"), 600, 400);
  const auto frame = longconv::test::find_frame(image, 0, image.width());
  ASSERT_GT(frame.right - frame.left, 300);
  ASSERT_GT(frame.bottom - frame.top, 200);
  const auto ex = longconv::test::colour_extremes(image, frame, Figure::series_colour(0));
  ASSERT_TRUE(ex);
  EXPECT_NEAR(ex->top_col, column_of(frame, 2, 0, 10), 4);
  EXPECT_NEAR(ex->top_row, row_of(frame, 3, -1.2, 3.2), 4);
  EXPECT_NEAR(ex->bottom_col, column_of(frame, 8, 0, 10), 4);
  EXPECT_NEAR(ex->bottom_row, row_of(frame, -1, -1.2, 3.2), 4);
}

TEST(Figure, PanelsFillTheGridRowByRowAndNaNBreaksACurve) {
  Figure figure(800, 300, 2, 1);
  figure.skip();
  const double nan = std::nan("");
  figure.lines({"", "", "", {{"", {0, 1, 2, 3}, {0, nan, 1, 2}, true}}});
  EXPECT_THROW(figure.lines({"", "", "", {}}), std::runtime_error);  // a third panel in a 2 x 1 grid
  const auto pixels = figure.pixels();
  ASSERT_EQ(pixels.sizes(), (std::vector<int64_t>{3, 300, 800}));
  // The skipped left panel is blank, the curve is in the right one.
  EXPECT_TRUE(torch::all(pixels.slice(2, 0, 400) == 255).item<bool>());
  const auto c = Figure::series_colour(0);
  const auto p = pixels.to(torch::kInt);
  const auto blue = (p[0] - c[0]).abs() + (p[1] - c[1]).abs() + (p[2] - c[2]).abs() <= 60;
  EXPECT_GT(blue.slice(1, 400, 800).sum().item<int64_t>(), 10);
  EXPECT_THROW(figure.skip(), std::runtime_error);  // after rendering
}

TEST(Figure, ImagesMapTheLargestValueToRedAtItsCell) {
  longconv::test::TempDir dir;
  // 4 x 5 cells, row 0 at the top: +1 at (row 1, col 3), -1 at (row 3, col 0).
  auto values = torch::zeros({4, 5}, torch::kDouble);
  values[1][3] = 1.0;
  values[3][0] = -1.0;
  Figure figure(600, 500);
  figure.image({"", "", "", values, 0, 5, 0, 4});
  figure.save(dir.file("image.png"));
  const auto image = longconv::test::read_rgb(dir.file("image.png"), 600, 500);
  const auto frame = longconv::test::find_frame(image, 0, image.width());
  const double cell_w = static_cast<double>(frame.right - frame.left) / 5;
  const double cell_h = static_cast<double>(frame.bottom - frame.top) / 4;
  ASSERT_GT(cell_w, 20);
  ASSERT_NEAR(cell_w, cell_h, 2);  // square cells
  const auto centre = [&](int row, int col) {
    return image.at(frame.top + static_cast<int64_t>((row + 0.5) * cell_h),
                    frame.left + static_cast<int64_t>((col + 0.5) * cell_w));
  };
  const auto red = centre(1, 3), blue = centre(3, 0), white = centre(0, 0);
  EXPECT_GT(red[0], 150);
  EXPECT_LT(red[2], 80);
  EXPECT_GT(blue[2], 150);
  EXPECT_LT(blue[0], 80);
  EXPECT_GT(white[0] + white[1] + white[2], 3 * 240);
}

TEST(Figure, RejectsBadSizesAndSeries) {
  EXPECT_THROW(Figure(0, 100), std::runtime_error);
  Figure figure(100, 100);
  EXPECT_THROW(figure.lines({"", "", "", {{"bad", {0, 1}, {0}}}}), std::runtime_error);
  EXPECT_THROW(figure.image({"", "", "", torch::zeros({3}), 0, 1, 0, 1}), std::runtime_error);
}

}  // namespace
