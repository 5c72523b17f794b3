// GLU (torch.nn.GLU): the first half of x along dim times the sigmoid of the second half, with a CPU kernel.
// LibTorch 1.13's CPU GLU backward runs a separate sigmoid over the gates (Sleef's expf) before its own pass:
// MultiresNet's mixing layers spent 35 ms of a 292 ms small step in the two. Here forward and backward are one pass
// each; float32 uses nn/common/fast_exp.h's exp (relative error < 1e-7 in the sigmoid), float64 std::exp. Other
// devices and dtypes use torch::glu.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

// With channel_scale ([B, C, 1] for the output [B, C, *]: a channel dropout's keep / (1 - p)), glu(x, dim) *
// channel_scale in the same pass.
torch::Tensor glu(const torch::Tensor& x, int64_t dim, const torch::Tensor& channel_scale = {});

// The torch.nn.GLU module (no parameters) over nn::glu.
class GluImpl : public torch::nn::Cloneable<GluImpl> {
 public:
  explicit GluImpl(int64_t dim = -1) : dim_(dim) {}
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x) { return nn::glu(x, dim_); }

 private:
  int64_t dim_;
};
TORCH_MODULE(Glu);

}  // namespace longconv::nn
