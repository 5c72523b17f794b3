// Dropout1d (torch.nn.Dropout1d, absent from LibTorch's C++ API): zeroes whole channels of [B, C, L] per sample.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

class Dropout1dImpl : public torch::nn::Cloneable<Dropout1dImpl> {
 public:
  explicit Dropout1dImpl(double p = 0.5);
  void reset() override {}
  torch::Tensor forward(const torch::Tensor& x);
  double p() const { return p_; }

 private:
  double p_;
};
TORCH_MODULE(Dropout1d);

}  // namespace longconv::nn
