// S4Block (models/modules/s4_block.py): one continuous-kernel conv in a residual block.
//   prenorm:  y = GELU(linear1(Dropout(GELU(conv1(norm1(x)))))) + shortcut(x)
//   postnorm: y = norm1(GELU(linear1(Dropout(GELU(conv1(x))))) + shortcut(x))
// (the nonlinearity is net.nonlinearity; the second one comes BEFORE the residual add, as in the reference).
// shortcut is a pointwise linear (shortcut.0) when in != out, else the identity.
#pragma once

#include <string>

#include <torch/torch.h>

#include "nn/ccnn/ck_conv.h"
#include "nn/common/activation.h"
#include "nn/common/channel_norm.h"
#include "nn/common/dropout_nd.h"
#include "nn/common/pointwise_linear.h"

namespace longconv::models {

struct S4BlockOptions {
  S4BlockOptions(nn::CKConvOptions conv) : conv_(std::move(conv)) {}  // conv carries in/out channels and data_dim
  TORCH_ARG(nn::CKConvOptions, conv);
  TORCH_ARG(nn::Activation, nonlinearity) = nn::Activation::GELU;
  TORCH_ARG(nn::ChannelNorm, norm) = nn::ChannelNorm::BatchNorm;
  TORCH_ARG(nn::DropoutType, dropout_type) = nn::DropoutType::Dropout2d;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, prenorm) = true;
};

class S4BlockImpl : public torch::nn::Module {
 public:
  explicit S4BlockImpl(S4BlockOptions options);
  torch::Tensor forward(const torch::Tensor& x);

  S4BlockOptions options;
  nn::CKConv conv1{nullptr};
  torch::nn::ModuleList nonlinears{nullptr};
  torch::nn::AnyModule norm1;
  nn::PointwiseLinear linear1{nullptr};
  nn::DropoutNd dp{nullptr};
  torch::nn::Sequential shortcut{nullptr};

 private:
  std::vector<torch::nn::AnyModule> activations_;  // the modules in `nonlinears`, callable
};
TORCH_MODULE(S4Block);

}  // namespace longconv::models
