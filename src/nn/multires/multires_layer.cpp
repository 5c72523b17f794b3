#include "nn/multires/multires_layer.h"

#include <cmath>

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

MultiresLayerImpl::MultiresLayerImpl(MultiresLayerOptions options_) : options(std::move(options_)) { reset(); }

void MultiresLayerImpl::reset() {
  const int64_t d = options.d_model();
  TORCH_CHECK(d >= 1, "MultiresLayer d_model must be >= 1, got ", d);
  std::optional<WaveletFilters> wavelet;
  if (options.wavelet_init()) {
    wavelet = wavelet_filters(*options.wavelet_init());
    const auto len = static_cast<int64_t>(wavelet->dec_lo.size());
    TORCH_CHECK(!options.kernel_size() || *options.kernel_size() == len, "MultiresLayer kernel_size ",
                *options.kernel_size(), " does not match wavelet '", *options.wavelet_init(), "' of length ", len);
    kernel_size = len;
  } else {
    TORCH_CHECK(options.kernel_size(), "MultiresLayer needs kernel_size when wavelet_init is not given");
    kernel_size = *options.kernel_size();
  }
  TORCH_CHECK(kernel_size >= 1, "MultiresLayer kernel_size must be >= 1, got ", kernel_size);
  if (options.depth()) {
    depth = *options.depth();
  } else {
    TORCH_CHECK(options.seq_len(), "MultiresLayer needs depth or seq_len");
    depth = multires_max_depth(*options.seq_len(), kernel_size);
  }
  TORCH_CHECK(depth >= 1, "MultiresLayer depth must be >= 1, got ", depth);
  const auto select = parse_tree_select(options.tree_select());
  if (select == TreeSelect::Fading) {
    memory_size = depth + 1;
  } else {
    TORCH_CHECK(options.memory_size(), "MultiresLayer memory_size must be given when tree_select is '",
                options.tree_select(), "'");
    memory_size = *options.memory_size();
  }
  plan = make_mix_plan(select, depth, kernel_size, memory_size);

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
  return dropout(nn::gelu(multires_conv(x, h0, h1, w, plan)));
}

}  // namespace longconv::nn
