#include "plot/learned_structure.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "nn/ccnn/ck_conv.h"
#include "nn/ccnn/gaussian_mask.h"
#include "nn/multires/multires_layer.h"
#include "plot/figure.h"

namespace longconv::plot {
namespace {

constexpr int64_t kChannels = 8;       // curves per 1D panel
constexpr int64_t kImageChannels = 4;  // tiles per 2D panel (2 x 2)
constexpr int64_t kPanelWidth = 520, kPanelHeight = 380;

std::vector<double> to_vector(const torch::Tensor& t) {
  const auto d = t.detach().to(torch::kCPU, torch::kDouble).contiguous().view(-1);
  return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
}

std::vector<double> iota(int64_t n, double start = 0) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = start + static_cast<double>(i);
  return v;
}

std::string label(const std::string& name) { return name.empty() ? "net" : name; }

// Up to kImageChannels [H, W] images tiled 2 x 2 with one blank (NaN) row/column between tiles.
torch::Tensor tile(const torch::Tensor& images) {
  const int64_t n = std::min(images.size(0), kImageChannels), h = images.size(1), w = images.size(2);
  const int64_t grid_cols = n > 1 ? 2 : 1, grid_rows = (n + grid_cols - 1) / grid_cols;
  auto mosaic = torch::full({grid_rows * (h + 1) - 1, grid_cols * (w + 1) - 1},
                            std::numeric_limits<double>::quiet_NaN(), torch::kDouble);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t r = i / grid_cols, c = i % grid_cols;
    mosaic.slice(0, r * (h + 1), r * (h + 1) + h).slice(1, c * (w + 1), c * (w + 1) + w).copy_(images[i]);
  }
  return mosaic;
}

struct Grid {
  int64_t columns, rows;
};
Grid grid_for(size_t panels, int64_t max_columns) {
  const auto n = static_cast<int64_t>(std::max<size_t>(panels, 1));
  const int64_t columns = std::min(n, max_columns);
  return {columns, (n + columns - 1) / columns};
}

struct SampledConv {
  std::string name;
  nn::CKConv conv;
  torch::Tensor positions, kernel;  // [1, D, *K], [N, in, *K]
};

std::vector<SampledConv> sample_convs(const torch::nn::Module& net) {
  std::vector<SampledConv> convs;
  torch::NoGradGuard no_grad;
  for (auto& [name, conv] : nn::find_ck_convs(net)) {
    const int64_t length = conv->train_length.item<int64_t>();
    if (length < 2) continue;
    const auto positions = conv->kernel_positions(length);
    convs.push_back({name, conv, positions, conv->kernel_at(positions)});
  }
  return convs;
}

std::string plot_kernels(const std::vector<SampledConv>& convs, const std::string& out_dir) {
  const Grid g = grid_for(convs.size(), 3);
  Figure figure(g.columns * kPanelWidth, g.rows * kPanelHeight, g.columns, g.rows);
  for (const auto& c : convs) {
    const int64_t d = c.conv->options.data_dim();
    const auto kernel = c.kernel.flatten(0, 1);  // [out * in, *K]
    const int64_t shown = std::min(kernel.size(0), d == 1 ? kChannels : kImageChannels);
    if (d == 1) {
      LinePanel panel{fmt::format("{}: {} taps", label(c.name), kernel.size(1)),
                      "relative position",
                      fmt::format("kernel (first {} of {} channels)", shown, kernel.size(0)),
                      {}};
      const auto x = to_vector(c.positions[0][0]);
      for (int64_t i = 0; i < shown; ++i) panel.series.push_back({"", x, to_vector(kernel[i])});
      figure.lines(panel);
      continue;
    }
    // 3D: the middle slice along the first spatial dim.
    const auto planes = d == 3 ? kernel.select(1, kernel.size(1) / 2) : kernel;
    const auto mosaic = tile(planes.slice(0, 0, shown).to(torch::kDouble));
    std::string size = fmt::format("{}", kernel.size(1));
    for (int64_t i = 2; i < kernel.dim(); ++i) size += fmt::format("x{}", kernel.size(i));
    const std::string channels = shown == 1 ? fmt::format("channel 0 of {}", kernel.size(0))
                                            : fmt::format("channels 0-{} of {}", shown - 1, kernel.size(0));
    figure.image({fmt::format("{}: {} taps{}", label(c.name), size, d == 3 ? " (middle)" : ""), channels, "tap", mosaic,
                  0, static_cast<double>(mosaic.size(1)), 0, static_cast<double>(mosaic.size(0))});
  }
  const std::string path = (std::filesystem::path(out_dir) / "ccnn_kernels.png").string();
  figure.save(path);
  return path;
}

std::string plot_masks(const std::vector<SampledConv>& convs, const std::string& out_dir) {
  LinePanel masks{"Gaussian masks (dashed: crop threshold)", "relative position (where a mask > 0.01)", "mask", {}};
  LinePanel widths{"mask widths per layer", "layer", "sigma", {}};
  int64_t dims = 0;
  double threshold = 0;
  size_t layer = 0;
  std::vector<std::string> names;
  for (const auto& c : convs) {
    if (!c.conv->options.mask()) continue;
    const int64_t d = c.conv->options.data_dim();
    dims = std::max(dims, d);
    const int64_t length = c.conv->train_length.item<int64_t>();
    const auto line = torch::linspace(-1, 1, length, torch::kDouble);
    const auto mean = c.conv->mask_mean_param.detach().to(torch::kDouble);
    const auto sigma = c.conv->mask_width_param.detach().to(torch::kDouble);
    for (int64_t i = 0; i < d; ++i) {
      const auto profile = nn::gaussian_mask(line.view({1, 1, -1}), mean.slice(0, i, i + 1), sigma.slice(0, i, i + 1));
      masks.series.push_back(
          {d == 1 ? label(c.name) : fmt::format("{} dim {}", label(c.name), i), to_vector(line), to_vector(profile)});
    }
    threshold = c.conv->mask_threshold.item<double>();
    names.push_back(label(c.name));
    ++layer;
  }
  if (layer == 0) return "";
  // Curves of more layers than colours would repeat colours in the legend: only the widths panel names them.
  if (masks.series.size() > 10)
    for (auto& s : masks.series) s.label.clear();
  // Only where some mask exceeds 1%: a learned mask is often a sliver of the grid.
  double lo = 1, hi = -1;
  for (const auto& series : masks.series)
    for (size_t k = 0; k < series.x.size(); ++k)
      if (series.y[k] >= 0.01) {
        lo = std::min(lo, series.x[k]);
        hi = std::max(hi, series.x[k]);
      }
  if (lo > hi) {  // every mask below 1% on the grid (a learned mean outside it): show it all
    lo = -1;
    hi = 1;
  }
  for (auto& series : masks.series) {
    Series shown{series.label, {}, {}};
    for (size_t k = 0; k < series.x.size(); ++k)
      if (series.x[k] >= lo && series.x[k] <= hi) {
        shown.x.push_back(series.x[k]);
        shown.y.push_back(series.y[k]);
      }
    series = shown;
  }
  masks.series.push_back({"", {lo, hi}, {threshold, threshold}, /*markers=*/false, /*reference=*/true});
  for (int64_t i = 0; i < dims; ++i) {
    Series s{dims == 1 ? "sigma" : fmt::format("sigma dim {}", i), {}, {}, true};
    size_t l = 0;
    for (const auto& c : convs) {
      if (!c.conv->options.mask()) continue;
      const auto sigma = to_vector(c.conv->mask_width_param);
      s.x.push_back(static_cast<double>(l++));
      s.y.push_back(i < static_cast<int64_t>(sigma.size()) ? sigma[static_cast<size_t>(i)]
                                                           : std::numeric_limits<double>::quiet_NaN());
    }
    widths.series.push_back(s);
  }
  widths.x_label = fmt::format("layer (0: {}, last: {})", names.front(), names.back());
  Figure figure(2 * kPanelWidth, kPanelHeight, 2, 1);
  figure.lines(masks);
  figure.lines(widths);
  const std::string path = (std::filesystem::path(out_dir) / "ccnn_masks.png").string();
  figure.save(path);
  return path;
}

std::string plot_multires(const std::vector<std::pair<std::string, std::shared_ptr<nn::MultiresLayerImpl>>>& layers,
                          const std::string& out_dir) {
  Figure figure(4 * kPanelWidth, static_cast<int64_t>(layers.size()) * kPanelHeight, 4,
                static_cast<int64_t>(layers.size()));
  for (const auto& [name, layer] : layers) {
    const int64_t channels = layer->h0.size(0), taps = layer->h0.size(2);
    const int64_t shown = std::min(channels, kChannels);
    for (const auto& [filter, tensor] : {std::pair<std::string, torch::Tensor>{"h0", layer->h0}, {"h1", layer->h1}}) {
      LinePanel panel{fmt::format("{}: {} ({} taps)", label(name), filter, taps),
                      "tap",
                      fmt::format("{} (first {} of {} channels)", filter, shown, channels),
                      {}};
      for (int64_t i = 0; i < shown; ++i) panel.series.push_back({"", iota(taps), to_vector(tensor[i][0]), taps <= 16});
      figure.lines(panel);
    }
    const auto w = layer->w.detach().to(torch::kDouble);
    figure.image({fmt::format("{}: w ({} x {})", label(name), w.size(0), w.size(1)), "column (last: input x)",
                  "channel", w, 0, static_cast<double>(w.size(1)), 0, static_cast<double>(w.size(0)), false});

    // Mean |w| of the columns that read each coefficient of the tree (nn::mix_terms).
    const auto mean_abs = w.abs().mean(0);
    Series hi{"res_hi", {}, {}, true}, lo{"res_lo", {}, {}, true}, residual{"input x", {}, {}, true};
    for (const auto& term : nn::mix_terms(layer->plan)) {
      if (term.mix.width == 0) continue;
      const double value = mean_abs.slice(0, term.mix.col, term.mix.col + term.mix.width).mean().item<double>();
      Series& s = term.hi ? hi : term.level == 0 ? residual : lo;
      s.x.push_back(term.hi || term.level > 0 ? static_cast<double>(term.level) : -1.0);
      s.y.push_back(value);
    }
    figure.lines({fmt::format("{}: mean |w| per level", label(name)),
                  "tree level (input x at -1)",
                  "mean |w|",
                  {hi, lo, residual}});
  }
  const std::string path = (std::filesystem::path(out_dir) / "multires_filters.png").string();
  figure.save(path);
  return path;
}

}  // namespace

std::vector<std::string> plot_learned_structure(const torch::nn::Module& net, const std::string& out_dir) {
  std::filesystem::create_directories(out_dir);
  std::vector<std::string> written;
  const auto convs = sample_convs(net);
  if (!convs.empty()) {
    written.push_back(plot_kernels(convs, out_dir));
    if (const auto path = plot_masks(convs, out_dir); !path.empty()) written.push_back(path);
  }
  std::vector<std::pair<std::string, std::shared_ptr<nn::MultiresLayerImpl>>> layers;
  for (const auto& item : net.named_modules())
    if (auto layer = std::dynamic_pointer_cast<nn::MultiresLayerImpl>(item.value()))
      layers.emplace_back(item.key(), layer);
  if (!layers.empty()) written.push_back(plot_multires(layers, out_dir));
  return written;
}

}  // namespace longconv::plot
