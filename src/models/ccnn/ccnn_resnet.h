// CCNN (models/resnet.py ResNet_sequence / ResNet_image, and the 3D analogue with no structural change):
//   dropout_in -> conv1 -> norm1 -> nonlinear -> blocks (S4Blocks, optional MaxPool after the blocks listed in
//   downsampling) -> out_norm (norm when block S4 + prenorm, else identity) -> mean over all positions -> out_layer
//   (pointwise linear) -> logits [B, out_channels].
// Names equal the reference state_dict keys (conv1.Kernel.filters.0.mu, blocks.0.linear1.weight, out_norm.*, ...).
// The reference's 2D output `.squeeze()` would also drop a batch dim of 1; here the output is always [B, out].
#pragma once

#include <vector>

#include <torch/torch.h>

#include "models/ccnn/s4_block.h"
#include "nn/ccnn/ck_conv.h"
#include "nn/common/activation.h"
#include "nn/common/channel_norm.h"
#include "nn/common/dropout_nd.h"
#include "nn/common/pointwise_linear.h"

namespace longconv::models {

struct CCNNOptions {
  // conv: the options every CKConv/FlexConv of the net starts from (kernel net, mask, path, data_dim); its in/out
  // channels are set per layer.
  CCNNOptions(int64_t in_channels, int64_t out_channels, nn::CKConvOptions conv)
      : in_channels_(in_channels), out_channels_(out_channels), conv_(std::move(conv)) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(nn::CKConvOptions, conv);
  TORCH_ARG(int64_t, no_hidden) = 140;
  TORCH_ARG(int64_t, no_blocks) = 4;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(double, dropout_in) = 0.0;
  TORCH_ARG(nn::DropoutType, dropout_type) = nn::DropoutType::Dropout2d;
  TORCH_ARG(nn::ChannelNorm, norm) = nn::ChannelNorm::BatchNorm;
  TORCH_ARG(nn::Activation, nonlinearity) = nn::Activation::GELU;
  TORCH_ARG(std::vector<double>, block_width_factors) = std::vector<double>{0.0};  // [0.0]: all 1; else pairs
  TORCH_ARG(bool, block_prenorm) = true;  // the blocks are S4 blocks, the only kind the reference's ResNet uses
  TORCH_ARG(std::vector<int64_t>, downsampling) = {};
  TORCH_ARG(int64_t, downsampling_size) = -1;
};

// OptionError naming the field: no_hidden < 1, no_blocks < 0, dropout outside [0, 1], block_width_factors that do
// not give no_blocks widths, downsampling without a downsampling_size >= 1, and the conv's own rules.
void validate(const CCNNOptions& options);

// Width factor of every block: [0.0] -> all 1; else (factor, count) pairs expanded;
// empty when the spec is malformed (validate says how).
std::vector<double> width_factors(const std::vector<double>& spec, int64_t no_blocks);

class CCNNImpl : public torch::nn::Module {
 public:
  explicit CCNNImpl(CCNNOptions options);
  torch::Tensor forward(const torch::Tensor& x);  // x [B, in_channels, *spatial] -> [B, out_channels]

  CCNNOptions options;
  nn::DropoutNd dropout_in{nullptr};
  nn::CKConv conv1{nullptr};
  torch::nn::AnyModule norm1, nonlinear, out_norm;
  torch::nn::Sequential blocks{nullptr};
  nn::PointwiseLinear out_layer{nullptr};
  // train.checkpoint_activations: the stem and each block keep only their input and recompute the rest in the
  // backward pass.
  bool checkpoint_activations = false;

 private:
  torch::Tensor stem(const torch::Tensor& x);
};
TORCH_MODULE(CCNN);

}  // namespace longconv::models
