#include "nn/ccnn/magnet.h"

#include <cmath>
#include <limits>

namespace longconv::nn {

MAGNetLayerImpl::MAGNetLayerImpl(int64_t data_dim, int64_t hidden, double omega_0, double alpha, double beta, bool bias,
                                 double init_spatial_value, bool causal) {
  torch::NoGradGuard no_grad;
  // 1D causal kernels live near the last position (+1), so the centres start on [1 - isv, 1].
  torch::Tensor m = causal && init_spatial_value != 1.0
                        ? 1.0 - init_spatial_value * torch::rand({hidden, data_dim})
                        : init_spatial_value * (2 * torch::rand({hidden, data_dim}) - 1);
  mu = register_parameter("mu", m);
  // torch.distributions.Gamma(alpha, beta).sample(): standard gamma / rate, clamped to the smallest normal.
  auto g = at::_standard_gamma(torch::full({hidden, data_dim}, alpha)) / beta;
  g.clamp_min_(std::numeric_limits<float>::min());
  gamma = register_parameter("gamma", g);
  linear = register_module("linear", PointwiseLinear(data_dim, hidden, data_dim, bias));
  std::vector<int64_t> shape{hidden, data_dim};
  shape.resize(2 + data_dim, 1);
  linear->weight.mul_((gamma.detach() * (2 * M_PI * omega_0)).view(shape));
  if (bias) linear->bias.fill_(0.0);
}

torch::Tensor MAGNetLayerImpl::forward(const torch::Tensor& positions) {
  const int64_t d = positions.size(1);
  std::vector<int64_t> shape{1, mu.size(0), d};
  shape.resize(3 + d, 1);
  // positions [1, D, *S] -> [1, 1, D, *S]; window over the hidden units: [1, H, *S].
  const auto diff = positions.unsqueeze(1) - mu.view(shape);
  const auto window = torch::exp(-0.5 * (gamma.view(shape) * diff).square().sum(2));
  return window * torch::sin(linear(positions));
}

MAGNetImpl::MAGNetImpl(const KernelNetOptions& o) {
  const int64_t d = o.data_dim(), h = o.hidden_channels(), n = o.no_layers();
  validate(o);
  // Construction order of MFNBase then MAGNet: linears, output_linear, filters, then the re-initialisation.
  linears = register_module("linears", torch::nn::ModuleList());
  for (int64_t l = 0; l < n; ++l) linears->push_back(PointwiseLinear(h, h, d, o.bias()));
  output_linear = register_module("output_linear", PointwiseLinear(h, o.out_channels(), d, o.bias()));
  filters = register_module("filters", torch::nn::ModuleList());
  for (int64_t l = 0; l <= n; ++l) {
    filters->push_back(MAGNetLayer(d, h, o.omega_0(), o.alpha() / static_cast<double>(l + 1), o.beta(), o.bias(),
                                   o.init_spatial_value(), o.causal()));
  }
  torch::NoGradGuard no_grad;
  for (const auto& m : *linears) {
    auto& lin = *m->as<PointwiseLinearImpl>();
    torch::nn::init::kaiming_uniform_(lin.weight, 0.0, torch::kFanIn, torch::kLinear);
    if (lin.bias.defined()) lin.bias.fill_(1.0);
  }
  torch::nn::init::kaiming_uniform_(output_linear->weight, 0.0, torch::kFanIn, torch::kLinear);
  if (output_linear->bias.defined()) output_linear->bias.fill_(0.0);
}

torch::Tensor MAGNetImpl::forward(const torch::Tensor& positions) {
  torch::Tensor h = filters[0]->as<MAGNetLayerImpl>()->forward(positions);
  for (size_t l = 1; l < filters->size(); ++l) {
    h = filters[l]->as<MAGNetLayerImpl>()->forward(positions) * linears[l - 1]->as<PointwiseLinearImpl>()->forward(h);
  }
  return output_linear(h);
}

}  // namespace longconv::nn
