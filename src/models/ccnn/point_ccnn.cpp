#include "models/ccnn/point_ccnn.h"

#include <stdexcept>

#include "models/ccnn/ccnn_resnet.h"
#include "nn/common/activation.h"

namespace longconv::models {

PointCCNNImpl::PointCCNNImpl(PointCCNNOptions options_) : options(std::move(options_)) {
  const auto& o = options;
  const int64_t hidden = o.no_hidden();
  if (hidden < 1) throw std::runtime_error("net.no_hidden: expected >= 1, got " + std::to_string(hidden));
  if (o.no_blocks() < 0) throw std::runtime_error("net.no_blocks: expected >= 0, got " + std::to_string(o.no_blocks()));
  if (o.block_type() != "S4")
    throw std::runtime_error("net.block.type: only 'S4' blocks are implemented, got '" + o.block_type() + "'");
  if (o.norm() != "BatchNorm")
    throw std::runtime_error("net.norm: point-cloud nets take BatchNorm (GraphBatchNorm), got '" + o.norm() + "'");
  const auto factors = width_factors(o.block_width_factors(), o.no_blocks());
  auto conv_with = [&](int64_t in, int64_t out) {
    return nn::SeparablePointFlexConvOptions(o.conv()).in_channels(in).out_channels(out);
  };

  // Reference construction order: dropout_in, conv1, norm1, nonlinear, blocks, out_layer, out_norm.
  dropout_in = register_module("dropout_in", nn::make_dropout("Dropout", o.dropout_in()));
  conv1 = register_module("conv1", nn::SeparablePointFlexConv(conv_with(o.in_channels(), hidden)));
  norm1 = register_module("norm1", nn::GraphBatchNorm(hidden));
  nonlinear = nn::make_activation(o.nonlinearity(), "net.nonlinearity");
  register_module("nonlinear", nonlinear.ptr());
  blocks = register_module("blocks", torch::nn::ModuleList());
  int64_t channels = hidden;
  for (int64_t i = 0; i < o.no_blocks(); ++i) {
    const auto width = static_cast<int64_t>(static_cast<double>(hidden) * factors[static_cast<size_t>(i)]);
    blocks->push_back(PointS4Block(PointS4BlockOptions(conv_with(channels, width))
                                       .nonlinearity(o.nonlinearity())
                                       .dropout_type(o.dropout_type())
                                       .dropout(o.dropout())
                                       .prenorm(o.block_prenorm())
                                       .residual(o.point_residual())));
    channels = width;
  }
  out_layer = register_module("out_layer", nn::GraphLinear(channels, o.out_channels()));
  out_norm = o.block_prenorm() ? torch::nn::AnyModule(nn::GraphBatchNorm(channels))
                               : torch::nn::AnyModule(torch::nn::Identity());
  register_module("out_norm", out_norm.ptr());
}

torch::Tensor PointCCNNImpl::forward(const torch::Tensor& x, const torch::Tensor& rel_pos,
                                     const torch::Tensor& sorted_indices) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.in_channels(), "point CCNN expects x [B, N, ", options.in_channels(),
              "], got ", x.sizes());
  torch::Tensor h = nonlinear.forward(norm1(conv1(dropout_in(x), rel_pos, sorted_indices)));
  for (const auto& block : *blocks) h = block->as<PointS4BlockImpl>()->forward(h, rel_pos, sorted_indices);
  h = out_norm.forward(h).mean(1);  // [B, C]: global mean pooling over the points
  return out_layer(h);
}

std::vector<nn::SeparablePointFlexConv> PointCCNNImpl::convs() const {
  std::vector<nn::SeparablePointFlexConv> list{conv1};
  for (const auto& block : *blocks) list.push_back(block->as<PointS4BlockImpl>()->conv1);
  return list;
}

}  // namespace longconv::models
