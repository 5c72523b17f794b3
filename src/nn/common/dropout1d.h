// Dropout1d (torch.nn.Dropout1d, absent from LibTorch's C++ API): zeroes whole channels of [B, C, L] per sample.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

// A channel dropout's keep / (1 - p) for each of `batch` x `channels` channels, [batch, channels, 1], drawn as
// torch's feature dropout draws its noise (zeros at p = 1).
torch::Tensor channel_keep_scale(double p, int64_t batch, int64_t channels, const torch::TensorOptions& options);

class Dropout1dImpl : public torch::nn::Cloneable<Dropout1dImpl> {
 public:
  explicit Dropout1dImpl(double p = 0.5);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);
  // This call's keep / (1 - p) per sample and channel, [batch, channels, 1], for a kernel that applies it in its
  // own pass (nn::gelu, nn::glu); undefined where the dropout is the identity (eval mode, p = 0). forward(x) is
  // x * channel_scale(...): the same draws.
  torch::Tensor channel_scale(int64_t batch, int64_t channels, const torch::TensorOptions& options);
  double p() const { return p_; }

 private:
  double p_;
};
TORCH_MODULE(Dropout1d);

}  // namespace longconv::nn
