// A 1x1 convolution over [B, C, *spatial] (weight [out, in, 1, ...]) with PyTorch's default Conv init, computed as
// one matrix product over the flattened positions: CCNN's Linear1d/2d/3d and MultiresNet's kernel-size-1 Conv1d
// layers (same state_dict keys and shapes, same seeded init).
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

class PointwiseLinearImpl : public torch::nn::Module {
 public:
  PointwiseLinearImpl(int64_t in_channels, int64_t out_channels, int64_t data_dim, bool bias = true);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight, bias;  // bias undefined when built without one
};
TORCH_MODULE(PointwiseLinear);

}  // namespace longconv::nn
