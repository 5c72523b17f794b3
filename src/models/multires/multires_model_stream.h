// MultiresNet and MultiresAR one position at a time (eval mode: dropout off, BatchNorm with running statistics),
// on top of nn::MultiresConvStream per layer. The 1x1 convolutions, GLU and norms act per position, so a step
// costs O(n_layers * (depth * kernel_size * d_model + d_model^2)) however long the sequence already is.
#pragma once

#include <vector>

#include <torch/torch.h>

#include "models/multires/multires_ar.h"
#include "models/multires/multires_net.h"
#include "nn/multires/multires_conv_stream.h"

namespace longconv::models {

// The residual blocks of either model: h [B, d_model] at the next position -> [B, d_model].
// Per position everything is [B, d]: the 1x1 convolutions are matmuls, the GLU and the norm act on the last dim.
class ResidualBlocksStream {
 public:
  ResidualBlocksStream(ResidualBlocks blocks, int64_t batch, torch::Dtype dtype);
  torch::Tensor step(torch::Tensor h);

 private:
  struct Layer {
    nn::MultiresLayer conv{nullptr};
    nn::MultiresConvStream stream;
    nn::PointwiseLinear mix_in{nullptr}, mix_out{nullptr};  // mixing: mix_in -> GLU -> Dropout1d [-> mix_out]
    std::shared_ptr<torch::nn::Module> norm;
  };
  bool batchnorm_ = false;
  std::vector<Layer> layers_;
};

// A 1x1 convolution at one position: x [B, in_channels] -> [B, out_channels].
torch::Tensor pointwise(const nn::PointwiseLinear& conv, const torch::Tensor& x);

// The encoder at one position: x [B, d_input] floats or [B] int64 tokens -> [B, d_model].
torch::Tensor encode_position(InputEncoder& encoder, const torch::Tensor& x);

// MultiresNet's logits after each position: the mean pooling runs over the positions seen so far, so after
// position t the logits equal the full forward on x[..., :t + 1].
class MultiresNetStream {
 public:
  // The module must be in eval mode and stay unchanged while streaming.
  MultiresNetStream(MultiresNet net, int64_t batch, torch::Dtype dtype = torch::kFloat32);
  // x: [B, d_input] (linear encoder) or [B] tokens -> logits [B, d_output].
  torch::Tensor step(const torch::Tensor& x);

 private:
  MultiresNet net_;
  ResidualBlocksStream blocks_;
  torch::Tensor sum_;
  int64_t seen_ = 0;
};

// MultiresAR's mixture parameters position by position. The model sees its input shifted by one, so step t takes
// x[..., t - 1] (zeros for t = 0, see first_input) and returns the parameters of position t [B, d_output]: equal to
// the full forward's output[..., t].
class MultiresARStream {
 public:
  MultiresARStream(MultiresAR net, int64_t batch, torch::Dtype dtype = torch::kFloat32);
  torch::Tensor step(const torch::Tensor& previous);
  torch::Tensor first_input() const;  // zeros [B, d_input] (token 0 [B] for an embedding encoder)

 private:
  MultiresAR net_;
  ResidualBlocksStream blocks_;
  int64_t batch_;
  torch::Dtype dtype_;
};

}  // namespace longconv::models
