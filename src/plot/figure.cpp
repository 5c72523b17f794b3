#include "plot/figure.h"

#include <plplot/plstream.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "io/png_writer.h"

namespace longconv::plot {
namespace {

// cmap0: 0 background, 1 axes and text, then the series colours (matplotlib's tab10, easy to tell apart).
constexpr int kBackground = 0, kForeground = 1, kFirstSeries = 2;
constexpr std::array<std::array<uint8_t, 3>, 10> kSeriesColours{{{31, 119, 180},
                                                                 {255, 127, 14},
                                                                 {44, 160, 44},
                                                                 {214, 39, 40},
                                                                 {148, 103, 189},
                                                                 {140, 86, 75},
                                                                 {227, 119, 194},
                                                                 {127, 127, 127},
                                                                 {188, 189, 34},
                                                                 {23, 190, 207}}};

// Asked before plsdev: PLplot prompts on stdin for a device it does not know.
bool driver_available(const char* name) {
  std::vector<const char*> menu(256), devices(256);  // plgDevs fills arrays the caller provides; n: their capacity
  const char** menu_data = menu.data();
  const char** device_data = devices.data();
  int n = static_cast<int>(devices.size());
  plgDevs(&menu_data, &device_data, &n);
  for (int i = 0; i < n; ++i)
    if (std::strcmp(devices[static_cast<size_t>(i)], name) == 0) return true;
  return false;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
  // A flat range widened so that PLplot gets a window of positive size.
  Range widened() const {
    if (empty()) return {0, 1};
    if (hi > lo) return *this;
    const double half = lo == 0 ? 0.5 : 0.05 * std::abs(lo);
    return {lo - half, hi + half};
  }
};

// Runs of consecutive finite points, so a NaN (a missing value) breaks the curve instead of reaching PLplot.
std::vector<std::pair<size_t, size_t>> finite_runs(const Series& s) {
  std::vector<std::pair<size_t, size_t>> runs;
  size_t start = 0;
  for (size_t i = 0; i <= s.x.size(); ++i) {
    const bool finite = i < s.x.size() && std::isfinite(s.x[i]) && std::isfinite(s.y[i]);
    if (!finite) {
      if (i > start) runs.emplace_back(start, i);
      start = i + 1;
    }
  }
  return runs;
}

constexpr PLFLT kLegendSample = 0.06, kLegendText = 0.8;  // the legend's line sample (viewport units), text size

// plvsta's frame within the subpage (8 character heights left for the y labels, 5 elsewhere), in normalized subpage
// units, and a character height in those units across and up.
struct Margins {
  PLFLT left, right, bottom, top, char_x, char_y, width_mm, height_mm;
};
Margins margins(plstream& pls) {
  PLFLT default_height, char_height, x0, x1, y0, y1;
  pls.gchr(default_height, char_height);  // mm
  pls.gspa(x0, x1, y0, y1);               // the subpage, mm
  const PLFLT cx = char_height / (x1 - x0), cy = char_height / (y1 - y0);
  return {8 * cx, 1 - 5 * cx, 5 * cy, 1 - 5 * cy, cx, cy, x1 - x0, y1 - y0};
}

// Draws values [rows, cols] (row 0 at the top) as cells filling [x0, x1] x [y0, y1], z_lo blue (or white) to z_hi
// red (or dark blue). plimagefr indexes [x][y] with y upwards, leaves NaN cells blank, and puts the lower left corner
// of cell i at x0 + i (x1 - x0) / (n - 1): given a range one cell short, its n cells fill [x0, x1]. A single row or
// column is doubled so that n - 1 > 0.
void draw_cells(plstream& pls, torch::Tensor values, double x0, double x1, double y0, double y1, double z_lo,
                double z_hi) {
  if (values.size(0) == 1) values = values.repeat({2, 1});
  if (values.size(1) == 1) values = values.repeat({1, 2});
  const auto v = values.to(torch::kDouble).contiguous();
  const int64_t rows = v.size(0), cols = v.size(1);
  const double* data = v.data_ptr<double>();
  std::vector<PLFLT> cells(static_cast<size_t>(rows * cols));
  std::vector<const PLFLT*> columns(static_cast<size_t>(cols));
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t r = 0; r < rows; ++r) {
      const double d = data[r * cols + c];
      cells[static_cast<size_t>(c * rows + (rows - 1 - r))] = std::isfinite(d) ? d : std::nan("");
    }
    columns[static_cast<size_t>(c)] = cells.data() + c * rows;
  }
  const double inf = std::numeric_limits<double>::infinity();
  const double x_last = x0 + (x1 - x0) * static_cast<double>(cols - 1) / static_cast<double>(cols);
  const double y_last = y0 + (y1 - y0) * static_cast<double>(rows - 1) / static_cast<double>(rows);
  pls.imagefr(columns.data(), static_cast<PLINT>(cols), static_cast<PLINT>(rows), x0, x_last, y0, y_last, -inf, inf,
              z_lo, z_hi, nullptr, nullptr);
}

}  // namespace

struct Figure::Stream {
  plstream pls;
};

std::array<uint8_t, 3> Figure::series_colour(size_t i) { return kSeriesColours[i % kSeriesColours.size()]; }

Figure::Figure(int64_t width, int64_t height, int64_t columns, int64_t rows)
    : width_(width), height_(height), panels_(columns * rows) {
  if (width < 16 || height < 16 || columns < 1 || rows < 1)
    throw std::runtime_error(
        fmt::format("plot: a figure needs at least 16x16 pixels and 1x1 panels, got {}x{} pixels, {}x{} panels", width,
                    height, columns, rows));
  if (!driver_available("memcairo"))
    throw std::runtime_error(
        "plot: PLplot's cairo driver is not installed (Debian: apt-get install plplot-driver-cairo)");
  memory_.assign(static_cast<size_t>(width * height * 3), 255);
  stream_ = std::make_unique<Stream>();
  auto& pls = stream_->pls;
  pls.sdev("memcairo");
  pls.smem(static_cast<PLINT>(width), static_cast<PLINT>(height), memory_.data());
  std::vector<PLINT> r{255, 0}, g{255, 0}, b{255, 0};
  for (const auto& c : kSeriesColours) {
    r.push_back(c[0]);
    g.push_back(c[1]);
    b.push_back(c[2]);
  }
  pls.scmap0(r.data(), g.data(), b.data(), static_cast<PLINT>(r.size()));
  pls.ssub(static_cast<PLINT>(columns), static_cast<PLINT>(rows));
  pls.init();
  pls.schr(0, 0.9);
}

Figure::~Figure() = default;

void Figure::next_panel() {
  if (finished_) throw std::runtime_error("plot: a panel after the figure was rendered");
  if (used_ == panels_) throw std::runtime_error(fmt::format("plot: more than the figure's {} panels", panels_));
  ++used_;
  stream_->pls.adv(0);
}

void Figure::skip() { next_panel(); }

void Figure::lines(const LinePanel& panel) {
  for (const auto& s : panel.series)
    if (s.x.size() != s.y.size())
      throw std::runtime_error(
          fmt::format("plot: series '{}' has {} x and {} y values", s.label, s.x.size(), s.y.size()));
  next_panel();
  auto& pls = stream_->pls;
  Range xr, yr;
  for (const auto& s : panel.series)
    for (const auto& [begin, end] : finite_runs(s))
      for (size_t i = begin; i < end; ++i) {
        xr.add(s.x[i]);
        yr.add(s.y[i]);
      }
  Range x = xr.widened(), y = yr.widened();
  const bool markers = std::any_of(panel.series.begin(), panel.series.end(), [](const Series& s) { return s.markers; });
  const double x_pad = markers ? 0.03 * (x.hi - x.lo) : 0, y_pad = 0.05 * (y.hi - y.lo);
  x = {x.lo - x_pad, x.hi + x_pad};
  y = {y.lo - y_pad, y.hi + y_pad};

  // The legend: series with a finite point and a label, right of the frame so that it never hides a curve.
  std::vector<size_t> listed;
  size_t longest = 0;
  for (size_t i = 0; i < panel.series.size(); ++i)
    if (!panel.series[i].label.empty() && !finite_runs(panel.series[i]).empty()) {
      listed.push_back(i);
      longest = std::max(longest, panel.series[i].label.size());
    }
  const Margins m = margins(pls);
  // The legend: its line sample, a character's gap, its text (about 0.8 character heights a character), a margin.
  const PLFLT legend =
      listed.empty() ? 0 : kLegendSample * 0.8 + (2.5 + 0.8 * static_cast<PLFLT>(longest)) * kLegendText * m.char_x;
  pls.vpor(m.left, listed.empty() ? m.right : 1 - m.char_x - legend, m.bottom, m.top);
  pls.col0(kForeground);
  pls.wind(x.lo, x.hi, y.lo, y.hi);
  pls.width(1);
  pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
  pls.lab(panel.x_label.c_str(), panel.y_label.c_str(), panel.title.c_str());

  const auto colour = [&](size_t i) {
    return static_cast<PLINT>(panel.series[i].reference ? kForeground : kFirstSeries + i % kSeriesColours.size());
  };
  pls.width(1.5);
  for (size_t i = 0; i < panel.series.size(); ++i) {
    const Series& s = panel.series[i];
    pls.col0(colour(i));
    pls.lsty(s.reference ? 2 : 1);
    for (const auto& [begin, end] : finite_runs(s)) {
      const auto n = static_cast<PLINT>(end - begin);
      if (n > 1) pls.line(n, s.x.data() + begin, s.y.data() + begin);
      if (s.markers || n == 1) pls.poin(n, s.x.data() + begin, s.y.data() + begin, 17);
    }
  }
  pls.lsty(1);
  pls.width(1);
  if (listed.empty()) return;

  std::vector<const char*> text;
  std::vector<PLINT> opts, colours, styles, text_colours, symbol_numbers;
  std::vector<PLFLT> widths, symbol_scales;
  std::vector<const char*> symbols;
  for (const size_t i : listed) {
    const Series& s = panel.series[i];
    text.push_back(s.label.c_str());
    opts.push_back(PL_LEGEND_LINE);
    colours.push_back(colour(i));
    styles.push_back(s.reference ? 2 : 1);
    text_colours.push_back(kForeground);
    widths.push_back(1.5);
    symbol_numbers.push_back(0);
    symbol_scales.push_back(1);
    symbols.push_back("");
  }
  PLFLT legend_width = 0, legend_height = 0;
  pls.legend(&legend_width, &legend_height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_OUTSIDE | PL_POSITION_RIGHT, 0.01, 0.0, kLegendSample, kBackground, kForeground, 1, 0, 0,
             static_cast<PLINT>(text.size()), opts.data(), 1.0, kLegendText, 1.8, 0.0, text_colours.data(), text.data(),
             nullptr, nullptr, nullptr, nullptr, colours.data(), styles.data(), widths.data(), colours.data(),
             symbol_scales.data(), symbol_numbers.data(), symbols.data());
}

void Figure::image(const ImagePanel& panel) {
  const torch::Tensor& v = panel.values;
  if (!v.defined() || v.dim() != 2 || v.size(0) < 1 || v.size(1) < 1)
    throw std::runtime_error(fmt::format("plot: image panel '{}' needs values [rows, cols], got {}", panel.title,
                                         v.defined() ? c10::str(v.sizes()) : "none"));
  next_panel();
  auto& pls = stream_->pls;
  const auto values = v.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const int64_t rows = values.size(0), cols = values.size(1);
  Range z;
  for (int64_t i = 0; i < values.numel(); ++i) z.add(values.data_ptr<double>()[i]);
  const bool diverging = z.empty() || z.lo < 0;
  if (diverging) {
    const double m = z.empty() ? 1.0 : std::max({std::abs(z.lo), std::abs(z.hi), 1e-30});
    z = {-m, m};
  }
  z = z.widened();

  // Blue-white-red about 0, or white to dark blue for values >= 0 (cmap1 in RGB, control points at 0, 0.5, 1).
  const std::vector<PLFLT> at{0.0, 0.5, 1.0};
  const std::vector<PLFLT> r = diverging ? std::vector<PLFLT>{0.13, 1.0, 0.70} : std::vector<PLFLT>{1.0, 0.42, 0.03};
  const std::vector<PLFLT> g = diverging ? std::vector<PLFLT>{0.40, 1.0, 0.09} : std::vector<PLFLT>{1.0, 0.68, 0.19};
  const std::vector<PLFLT> b = diverging ? std::vector<PLFLT>{0.67, 1.0, 0.17} : std::vector<PLFLT>{1.0, 0.84, 0.42};
  pls.scmap1n(256);
  pls.scmap1l(true, 3, at.data(), r.data(), g.data(), b.data());

  // The frame: plvsta's margins less room for the colour bar and its labels, shrunk to square cells if asked.
  const Margins m = margins(pls);
  PLFLT left = m.left, right = m.right - 5 * m.char_x, bottom = m.bottom, top = m.top;
  if (panel.square_cells) {
    const PLFLT width_mm = (right - left) * m.width_mm, height_mm = (top - bottom) * m.height_mm;
    const PLFLT aspect = static_cast<PLFLT>(rows) / static_cast<PLFLT>(cols);  // height / width of the frame
    if (height_mm > width_mm * aspect) {
      const PLFLT cut = (height_mm - width_mm * aspect) / m.height_mm / 2;
      bottom += cut;
      top -= cut;
    } else {
      const PLFLT cut = (width_mm - height_mm / aspect) / m.width_mm;
      right -= cut;
    }
  }
  pls.col0(kForeground);
  pls.vpor(left, right, bottom, top);
  pls.wind(panel.x_min, panel.x_max, panel.y_min, panel.y_max);
  draw_cells(pls, values, panel.x_min, panel.x_max, panel.y_min, panel.y_max, z.lo, z.hi);
  pls.box("bcnst", 0, 0, "bcnstv", 0, 0);
  pls.lab(panel.x_label.c_str(), panel.y_label.c_str(), panel.title.c_str());

  // The colour bar: the scale as a column of cells, labelled on its right.
  pls.vpor(right + 1.5 * m.char_x, right + 3 * m.char_x, bottom, top);
  pls.wind(0, 1, z.lo, z.hi);
  draw_cells(pls, torch::linspace(z.hi, z.lo, 256, torch::kDouble).view({256, 1}), 0, 1, z.lo, z.hi, z.lo, z.hi);
  pls.box("bc", 0, 0, "bcmstv", 0, 0);
}

torch::Tensor Figure::pixels() {
  if (!finished_) {
    stream_->pls.eop();
    finished_ = true;
  }
  return torch::from_blob(memory_.data(), {height_, width_, 3}, torch::kUInt8).permute({2, 0, 1}).clone();
}

void Figure::save(const std::string& path) { io::write_png(path, pixels()); }

}  // namespace longconv::plot
