#include "nn/ccnn/gaussian_mask.h"

namespace longconv::nn {

torch::Tensor gaussian_mask(const torch::Tensor& positions, const torch::Tensor& mean, const torch::Tensor& sigma) {
  const int64_t d = positions.size(1);
  std::vector<int64_t> shape{1, d};
  shape.resize(positions.dim(), 1);
  return torch::exp(
      -0.5 *
      (1.0 / (sigma.view(shape).square() + 1e-8) * (positions - mean.view(shape)).square()).sum(1, /*keepdim=*/true));
}

torch::Tensor crop_to_mask(const torch::Tensor& positions, const torch::Tensor& mean, const torch::Tensor& sigma,
                           const torch::Tensor& threshold, const torch::Tensor& step, bool causal) {
  torch::NoGradGuard no_grad;
  const auto aux = sigma * torch::sqrt(-2.0 * torch::log(threshold.to(sigma.dtype())));
  const auto roots = torch::stack({mean - aux, mean + aux}, 1);  // [D, 2]
  const int64_t d = positions.size(1);
  if (causal) {
    const auto root = roots.min();
    if (root.abs().item<double>() >= 1.0) return positions;
    const int64_t index = torch::floor((root + 1.0) / step).item<int64_t>();
    return positions.narrow(-1, index, positions.size(-1) - index);
  }
  const auto root = roots.abs().amax(1);                                // [D]
  const auto index = torch::ceil(root / step + 1e-8).to(torch::kLong);  // [D]
  torch::Tensor out = positions;
  for (int64_t i = 0; i < d; ++i) {
    if (root[i].abs().item<double>() >= 1.0) continue;
    const int64_t mid = positions.size(2 + i) / 2, n = index[i].item<int64_t>();
    out = out.narrow(2 + i, mid - (n - 1), 2 * n - 1);
  }
  return out;
}

}  // namespace longconv::nn
