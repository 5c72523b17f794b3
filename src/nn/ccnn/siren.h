// SIREN kernel net (ckconv/nn/ck/siren.py): h = sin(omega_0 * (W h + b)) per hidden layer, then output_linear.
// omega_0 is a (non-learned) buffer of every hidden layer, as in the reference state_dict (kernel_net.0.omega_0).
#pragma once

#include "nn/ccnn/kernel_net.h"

namespace longconv::nn {

class SIRENLayerImpl : public torch::nn::Module {
 public:
  SIRENLayerImpl(int64_t in, int64_t out, int64_t data_dim, double omega_0, bool bias);
  torch::Tensor forward(const torch::Tensor& x);

  PointwiseLinear linear{nullptr};  // its weight/bias are registered directly on this layer
  torch::Tensor omega_0;            // buffer [1]
};
TORCH_MODULE(SIRENLayer);

class SIRENImpl : public KernelNetImpl {
 public:
  explicit SIRENImpl(const KernelNetOptions& options);
  torch::Tensor forward(const torch::Tensor& positions) override;

  torch::nn::ModuleList kernel_net{nullptr};  // SIREN layers at even indices, Sine at odd ones (as the reference)
  std::vector<SIRENLayer> layers;
};

}  // namespace longconv::nn
