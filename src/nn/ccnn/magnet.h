// MAGNet (ckconv/nn/ck/magnet.py): a multiplicative filter network with anisotropic Gabor filters.
//   h = g_0(p); h = g_l(p) * (W_l h + b_l), l = 1..L; out = output_linear(h),
//   g_l(p) = exp(-0.5 * sum_d (gamma_ld (p_d - mu_ld))^2) * sin(V_l p + c_l).
// omega_0 is baked into V_l at init (V_l *= 2 pi omega_0 gamma_l), never applied in forward.
#pragma once

#include "nn/ccnn/kernel_net.h"

namespace longconv::nn {

class MAGNetLayerImpl : public torch::nn::Module {
 public:
  MAGNetLayerImpl(int64_t data_dim, int64_t hidden, double omega_0, double alpha, double beta, bool bias,
                  double init_spatial_value, bool causal);
  torch::Tensor forward(const torch::Tensor& positions);

  torch::Tensor mu, gamma;  // [hidden, data_dim]
  PointwiseLinear linear{nullptr};
};
TORCH_MODULE(MAGNetLayer);

class MAGNetImpl : public KernelNetImpl {
 public:
  explicit MAGNetImpl(const KernelNetOptions& options);
  torch::Tensor forward(const torch::Tensor& positions) override;

  torch::nn::ModuleList linears{nullptr}, filters{nullptr};
};

}  // namespace longconv::nn
