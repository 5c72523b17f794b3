#include "nn/multires/multires_layer.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nn/common/gelu.h"
#include "nn/multires/wavelets.h"

namespace longconv::nn {

int64_t multires_max_depth(int64_t seq_len, int64_t kernel_size) {
  TORCH_CHECK(kernel_size >= 2, "MultiresLayer needs kernel_size >= 2 to derive the depth from seq_len, got ",
              kernel_size);
  TORCH_CHECK(seq_len >= 2, "MultiresLayer seq_len must be >= 2, got ", seq_len);
  return static_cast<int64_t>(
      std::ceil(std::log2(static_cast<double>(seq_len - 1) / static_cast<double>(kernel_size - 1) + 1.0)));
}

int64_t multires_receptive_field(int64_t depth, int64_t kernel_size) {
  return 1 + (kernel_size - 1) * ((int64_t{1} << depth) - 1);
}

const Constraint kTreeDepth = in_closed(1, 48);

void validate(const MultiresLayerOptions& o) {
  check_option(o.d_model(), at_least(1), "MultiresLayerOptions::d_model");
  int64_t kernel_size = 0;
  if (o.wavelet_init()) {
    const std::string& name = *o.wavelet_init();
    try {
      kernel_size = static_cast<int64_t>(wavelet_filters(name).dec_lo.size());
    } catch (const std::invalid_argument& e) {
      throw OptionError(&o.wavelet_init(), "MultiresLayerOptions::wavelet_init", e.what());
    }
    check_option_rule(
        !o.kernel_size() || *o.kernel_size() == kernel_size, o.kernel_size(), "MultiresLayerOptions::kernel_size",
        fmt::format("{} does not match wavelet '{}' of length {}", o.kernel_size().value_or(0), name, kernel_size));
  } else {
    check_option_rule(o.kernel_size().has_value(), o.kernel_size(), "MultiresLayerOptions::kernel_size",
                      "expected a value when wavelet_init is not given, got null");
    check_option(o.kernel_size(), at_least(1), "MultiresLayerOptions::kernel_size");
    kernel_size = *o.kernel_size();
  }
  check_option(o.depth(), kTreeDepth, "MultiresLayerOptions::depth");
  // The receptive field 1 + (kernel_size - 1) * (2^depth - 1) must fit in int64 (info prints it, the plan uses it).
  check_option_rule(
      !o.depth() || kernel_size - 1 <= (std::numeric_limits<int64_t>::max() - 1) / ((int64_t{1} << *o.depth()) - 1),
      o.kernel_size(), "MultiresLayerOptions::kernel_size",
      fmt::format("{} with depth {} gives a receptive field beyond int64", kernel_size, o.depth().value_or(0)));
  if (!o.depth()) {
    check_option_rule(o.seq_len().has_value(), o.seq_len(), "MultiresLayerOptions::seq_len",
                      "expected a value when depth is null, got null");
    check_option(o.seq_len(), at_least(2), "MultiresLayerOptions::seq_len");
    check_option_rule(kernel_size >= 2, o.kernel_size(), "MultiresLayerOptions::kernel_size",
                      fmt::format("expected >= 2 to derive the depth from seq_len, got {}", kernel_size));
  }
  if (o.tree_select() == TreeSelect::Uniform) {
    check_option_rule(o.memory_size().has_value(), o.memory_size(), "MultiresLayerOptions::memory_size",
                      "expected a value when tree_select is uniform, got null");
    check_option(o.memory_size(), at_least(1), "MultiresLayerOptions::memory_size");
  }
  check_option(o.dropout(), in_closed(0, 1), "MultiresLayerOptions::dropout");
}

MultiresLayerImpl::MultiresLayerImpl(MultiresLayerOptions options_) : options(std::move(options_)) { reset(); }

void MultiresLayerImpl::reset() {
  validate(options);
  const int64_t d = options.d_model();
  std::optional<WaveletFilters> wavelet;
  if (options.wavelet_init()) {
    wavelet = wavelet_filters(*options.wavelet_init());
    kernel_size = static_cast<int64_t>(wavelet->dec_lo.size());
  } else {
    kernel_size = *options.kernel_size();
  }
  depth = options.depth() ? *options.depth() : multires_max_depth(*options.seq_len(), kernel_size);
  TORCH_CHECK(kTreeDepth.holds(static_cast<double>(depth)), "MultiresLayer: seq_len ", options.seq_len().value_or(0),
              " needs a tree depth of ", depth, ", outside ", kTreeDepth.text);
  memory_size = options.tree_select() == TreeSelect::Fading ? depth + 1 : *options.memory_size();
  plan = make_mix_plan(options.tree_select(), depth, kernel_size, memory_size);

  // Same draws in the same order as the reference constructor.
  torch::NoGradGuard no_grad;
  if (wavelet) {
    // h0 = dec_lo[::-1], h1 = dec_hi[::-1], cast to float32 and tiled over d_model.
    auto reversed = [&](const std::vector<double>& taps) {
      return torch::tensor(std::vector<double>(taps.rbegin(), taps.rend()), torch::kFloat64)
          .to(torch::kFloat32)
          .view({1, 1, kernel_size})
          .repeat({d, 1, 1});
    };
    h0 = register_parameter("h0", reversed(wavelet->dec_lo));
    h1 = register_parameter("h1", reversed(wavelet->dec_hi));
  } else {
    const double scale = std::sqrt(2.0 / static_cast<double>(kernel_size * 2));
    h0 = register_parameter("h0", torch::empty({d, 1, kernel_size}).uniform_(-1.0, 1.0) * scale);
    h1 = register_parameter("h1", torch::empty({d, 1, kernel_size}).uniform_(-1.0, 1.0) * scale);
  }
  auto w_init = torch::empty({d, memory_size + 1}).uniform_(-1.0, 1.0) *
                std::sqrt(2.0 / static_cast<double>(2 * memory_size + 2));
  if (options.indep_res_init()) w_init.select(1, memory_size).copy_(torch::empty({d}).uniform_(-1.0, 1.0));
  w = register_parameter("w", w_init);
  dropout = register_module("dropout", Dropout1d(options.dropout()));
}

torch::Tensor MultiresLayerImpl::forward(const torch::Tensor& x) {
  // Checked here: a wrong channel count would otherwise surface as a mismatch of h0, blaming the weights.
  TORCH_CHECK(x.dim() == 3 && x.size(1) == options.d_model() && x.size(2) >= 1 && x.is_floating_point(),
              "MultiresLayer expects float x of shape [B, d_model=", options.d_model(), ", L >= 1], got ", x.sizes(),
              " ", x.scalar_type());
  const auto y = multires_conv(x, h0, h1, w, plan);
  // Dropout1d(GELU(y)) in one pass.
  return nn::gelu(y, dropout->channel_scale(y.size(0), y.size(1), y.options()));
}

}  // namespace longconv::nn
