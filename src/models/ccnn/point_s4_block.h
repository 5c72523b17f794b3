// The S4 block of the point-cloud CCNN (models/modules/s4_block.py with the Graph* layers):
//   prenorm:  y = GELU(linear1(Dropout(GELU(conv1(norm1(x)))))) + shortcut(x)
//   postnorm: y = norm1(GELU(linear1(Dropout(GELU(conv1(x))))) + shortcut(x))
// with GraphBatchNorm, GraphLinear and a SeparablePointFlexConv. shortcut is a GraphLinear (shortcut.0) when in != out.
//
// PointResidual::Reference reproduces the official code, where every layer overwrites `data.x` of the one batch
// object it is given and the identity shortcut returns that same object: the sum is branch + branch, so the block
// returns 2 * branch and loses the residual (../shared/golden/ccnn_point/CASES.md). Its trained weights and the golden
// vectors need it; Add (the default) adds the shortcut as the paper's block does.
#pragma once

#include <torch/torch.h>

#include "nn/ccnn/graph_batch_norm.h"
#include "nn/ccnn/graph_linear.h"
#include "nn/ccnn/separable_point_flex_conv.h"
#include "nn/common/activation.h"
#include "nn/common/dropout_nd.h"
#include "util/enum_names.h"

namespace longconv::models {

enum class PointResidual { Add, Reference };
extern const EnumNames<PointResidual> kPointResidualNames;  // add, reference

struct PointS4BlockOptions {
  PointS4BlockOptions(nn::SeparablePointFlexConvOptions conv) : conv_(std::move(conv)) {}  // carries in/out channels
  TORCH_ARG(nn::SeparablePointFlexConvOptions, conv);
  TORCH_ARG(nn::Activation, nonlinearity) = nn::Activation::GELU;
  TORCH_ARG(nn::DropoutType, dropout_type) = nn::DropoutType::Dropout2d;
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, prenorm) = true;
  TORCH_ARG(PointResidual, residual) = PointResidual::Add;
};

// OptionError naming the field: dropout outside [0, 1], a Reference residual on a block that changes width, and the
// conv's own rules.
void validate(const PointS4BlockOptions& options);

class PointS4BlockImpl : public torch::nn::Module {
 public:
  explicit PointS4BlockImpl(PointS4BlockOptions options);
  // x [B, N, in] -> [B, N, out]; rel_pos and sorted_indices as SeparablePointFlexConv takes them.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& rel_pos, const torch::Tensor& sorted_indices);

  PointS4BlockOptions options;
  nn::SeparablePointFlexConv conv1{nullptr};
  torch::nn::ModuleList nonlinears{nullptr};
  nn::GraphBatchNorm norm1{nullptr};
  nn::GraphLinear linear1{nullptr};
  nn::DropoutNd dp{nullptr};
  torch::nn::Sequential shortcut{nullptr};

 private:
  std::vector<torch::nn::AnyModule> activations_;  // the modules in `nonlinears`, callable
};
TORCH_MODULE(PointS4Block);

}  // namespace longconv::models
