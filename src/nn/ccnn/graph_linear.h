// GraphLinear (ckconv/nn/linear.py): nn.Linear on the channels of point features x [B, N, C], registered as `lin`
// (state_dict keys lin.weight, lin.bias). Initialised as the point nets do: kaiming_normal_ weight, zero bias.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

class GraphLinearImpl : public torch::nn::Module {
 public:
  GraphLinearImpl(int64_t in_channels, int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& x) { return lin(x); }

  torch::nn::Linear lin{nullptr};
};
TORCH_MODULE(GraphLinear);

}  // namespace longconv::nn
