// The point-cloud CCNN (models/resnet_pointcloud.py ResNet_pointcloud):
//   dropout_in -> conv1 (SeparablePointFlexConv) -> norm1 (GraphBatchNorm) -> nonlinear -> blocks (point S4 blocks)
//   -> out_norm (GraphBatchNorm when block S4 + prenorm, else identity) -> mean over the N points -> out_layer
//   (GraphLinear) -> logits [B, out_channels].
// Inputs: x [B, N, in_channels] (ModelNet: normals ++ positions), rel_pos [B, N, N, 3], sorted_indices [B, N, K].
// Names equal the reference state_dict keys (conv1.Kernel.*, norm1.bn.*, blocks.0.linear1.lin.weight, out_layer.lin.*,
// with each GraphBatchNorm's `module.*` copy as io::StateLayout aliases).
#pragma once

#include <vector>

#include <torch/torch.h>

#include "models/ccnn/point_s4_block.h"
#include "nn/ccnn/graph_batch_norm.h"
#include "nn/ccnn/graph_linear.h"
#include "nn/ccnn/separable_point_flex_conv.h"
#include "nn/common/dropout_nd.h"

namespace longconv::models {

struct PointCCNNOptions {
  // conv: the options every point conv of the net starts from; its channels are set per layer.
  PointCCNNOptions(int64_t in_channels, int64_t out_channels, nn::SeparablePointFlexConvOptions conv)
      : in_channels_(in_channels), out_channels_(out_channels), conv_(std::move(conv)) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(nn::SeparablePointFlexConvOptions, conv);
  TORCH_ARG(int64_t, no_hidden) = 140;
  TORCH_ARG(int64_t, no_blocks) = 4;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(double, dropout_in) = 0.0;
  TORCH_ARG(nn::DropoutType, dropout_type) = nn::DropoutType::Dropout2d;
  TORCH_ARG(nn::Activation, nonlinearity) = nn::Activation::GELU;
  TORCH_ARG(std::vector<double>, block_width_factors) = std::vector<double>{0.0};  // as CCNNOptions'
  TORCH_ARG(bool, block_prenorm) = true;
  TORCH_ARG(PointResidual, point_residual) = PointResidual::Add;
};

// OptionError naming the field: as validate(CCNNOptions) for the widths and dropouts, a Reference point_residual
// with blocks that change width, and the conv's own rules. The norm is always GraphBatchNorm (the reference asserts
// BatchNorm for point clouds) and the blocks S4 blocks.
void validate(const PointCCNNOptions& options);

class PointCCNNImpl : public torch::nn::Module {
 public:
  explicit PointCCNNImpl(PointCCNNOptions options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& rel_pos, const torch::Tensor& sorted_indices);

  std::vector<nn::SeparablePointFlexConv> convs() const;  // conv1, then each block's conv1

  PointCCNNOptions options;
  nn::DropoutNd dropout_in{nullptr};
  nn::SeparablePointFlexConv conv1{nullptr};
  nn::GraphBatchNorm norm1{nullptr};
  torch::nn::AnyModule nonlinear, out_norm;
  torch::nn::ModuleList blocks{nullptr};
  nn::GraphLinear out_layer{nullptr};
};
TORCH_MODULE(PointCCNN);

}  // namespace longconv::models
