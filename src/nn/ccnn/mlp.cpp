#include "nn/ccnn/mlp.h"

#include "nn/common/activation.h"

namespace longconv::nn {

namespace {

// kaiming_uniform_ gain of the reference's MLP init: relu / leaky_relu (a = 0) for those nonlinearities, else linear.
torch::nn::init::NonlinearityType gain_for(Activation nonlinearity) {
  if (nonlinearity == Activation::ReLU) return torch::kReLU;
  if (nonlinearity == Activation::LeakyReLU) return torch::kLeakyReLU;
  return torch::kLinear;
}

void append_group(torch::nn::Sequential& seq, int64_t in, int64_t out, const KernelNetOptions& o) {
  seq->push_back(PointwiseLinear(in, out, o.data_dim(), o.bias()));
  seq->push_back(torch::nn::Identity());
  seq->push_back(make_activation(o.nonlinearity()));
}

void init_linears(torch::nn::Sequential& seq, Activation nonlinearity) {
  for (auto& m : seq->modules(/*include_self=*/false)) {
    if (auto* lin = m->as<PointwiseLinearImpl>()) {
      torch::nn::init::kaiming_uniform_(lin->weight, 0.0, torch::kFanIn, gain_for(nonlinearity));
      if (lin->bias.defined()) lin->bias.fill_(0.0);
    }
  }
}

}  // namespace

MLPImpl::MLPImpl(const KernelNetOptions& o) {
  validate(o);
  const int64_t h = o.hidden_channels();
  // Reference order: hidden layers, output layer, their init, then the input layers and their init.
  hidden_layers = register_module("hidden_layers", torch::nn::Sequential());
  for (int64_t l = 0; l < o.no_layers() - 2; ++l) append_group(hidden_layers, h, h, o);
  output_linear = register_module("output_linear", PointwiseLinear(h, o.out_channels(), o.data_dim(), o.bias()));
  torch::NoGradGuard no_grad;
  init_linears(hidden_layers, o.nonlinearity());
  torch::nn::init::kaiming_uniform_(output_linear->weight, 0.0, torch::kFanIn, torch::kLinear);
  if (output_linear->bias.defined()) output_linear->bias.fill_(0.0);
  input_layers = register_module("input_layers", torch::nn::Sequential());
  append_group(input_layers, o.data_dim(), h, o);
  init_linears(input_layers, o.nonlinearity());
}

torch::Tensor MLPImpl::forward(const torch::Tensor& positions) {
  torch::Tensor h = input_layers->forward(positions);
  if (!hidden_layers->is_empty()) h = hidden_layers->forward(h);
  return output_linear(h);
}

}  // namespace longconv::nn
