#include "nn/ccnn/siren.h"

#include <cmath>

namespace longconv::nn {

SIRENLayerImpl::SIRENLayerImpl(int64_t in, int64_t out, int64_t data_dim, double w0, bool bias) {
  // The reference layer is itself a ConvNd (weight, bias, omega_0 on one module): reuse PointwiseLinear's init and
  // register its tensors here under the same names.
  linear = PointwiseLinear(in, out, data_dim, bias);
  register_parameter("weight", linear->weight);
  if (bias) register_parameter("bias", linear->bias);
  omega_0 = register_buffer("omega_0", torch::full({1}, w0));
}

torch::Tensor SIRENLayerImpl::forward(const torch::Tensor& x) { return omega_0 * linear(x); }

SIRENImpl::SIRENImpl(const KernelNetOptions& o) {
  const int64_t d = o.data_dim(), h = o.hidden_channels();
  validate(o);
  kernel_net = register_module("kernel_net", torch::nn::ModuleList());
  for (int64_t l = 0; l < o.no_layers() - 1; ++l) {
    layers.push_back(SIRENLayer(l == 0 ? d : h, h, d, o.omega_0(), o.bias()));
    kernel_net->push_back(layers.back());
    kernel_net->push_back(torch::nn::Functional([](const torch::Tensor& t) { return torch::sin(t); }));
  }
  output_linear = register_module("output_linear", PointwiseLinear(h, o.out_channels(), d, o.bias()));
  torch::NoGradGuard no_grad;
  for (size_t l = 0; l < layers.size(); ++l) {
    auto& w = layers[l]->linear->weight;
    const double fan_in = static_cast<double>(w.size(1));
    const double bound = l == 0 ? 1.0 / fan_in : std::sqrt(6.0 / fan_in) / o.omega_0();
    w.uniform_(-bound, bound);
    if (layers[l]->linear->bias.defined()) layers[l]->linear->bias.fill_(0.0);
  }
  torch::nn::init::kaiming_uniform_(output_linear->weight, 0.0, torch::kFanIn, torch::kLinear);
  if (output_linear->bias.defined()) output_linear->bias.fill_(0.0);
}

torch::Tensor SIRENImpl::forward(const torch::Tensor& positions) {
  torch::Tensor h = positions;
  for (auto& layer : layers) h = torch::sin(layer(h));
  return output_linear(h);
}

}  // namespace longconv::nn
