// GELU, exact (erf) form, with a CPU kernel. LibTorch 1.13's CPU GELU evaluates Sleef's erff, which is slow on the
// CCNN's activations: the sMNIST training step takes 2.4 s with it and 2.0 s with this kernel. float32 uses the
// rational erf approximation of Eigen/XLA (|error| < 2e-7) and a polynomial exp; float64 uses std::erf and std::exp,
// so the float64 golden cases stay exact. Other devices and dtypes use torch::gelu.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

// With channel_scale ([B, C, 1] for x [B, C, *]: a channel dropout's keep / (1 - p)), gelu(x) * channel_scale, and
// with residual (x's shape), that + residual (the CCNN block's skip connection), in the same pass.
torch::Tensor gelu(const torch::Tensor& x, const torch::Tensor& channel_scale = {}, const torch::Tensor& residual = {});

// The torch.nn.GELU module (no parameters) over nn::gelu.
class GeluImpl : public torch::nn::Module {
 public:
  torch::Tensor forward(const torch::Tensor& x) { return nn::gelu(x); }
};
TORCH_MODULE(Gelu);

}  // namespace longconv::nn
