#include "models/ccnn/point_ccnn.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "models/ccnn/ccnn_resnet.h"
#include "nn/common/activation.h"

namespace longconv::models {

void validate(const PointCCNNOptions& o) {
  check_option(o.in_channels(), at_least(1), "PointCCNNOptions::in_channels");
  check_option(o.out_channels(), at_least(1), "PointCCNNOptions::out_channels");
  check_option(o.no_hidden(), at_least(1), "PointCCNNOptions::no_hidden");
  check_option(o.no_blocks(), at_least(0), "PointCCNNOptions::no_blocks");
  check_option(o.dropout(), nn::kDropoutProbability, "PointCCNNOptions::dropout");
  check_option(o.dropout_in(), nn::kDropoutProbability, "PointCCNNOptions::dropout_in");
  const auto& spec = o.block_width_factors();
  const auto factors = width_factors(spec, o.no_blocks());
  check_option_rule(static_cast<int64_t>(factors.size()) == o.no_blocks() && (o.no_blocks() == 0 || !spec.empty()),
                    o.block_width_factors(), "PointCCNNOptions::block_width_factors",
                    fmt::format("expected [0.0] or (factor, count) pairs giving no_blocks = {} widths, got [{}]",
                                o.no_blocks(), fmt::join(spec, ", ")));
  const bool equal_widths = std::all_of(factors.begin(), factors.end(), [&](double f) {
    return static_cast<int64_t>(static_cast<double>(o.no_hidden()) * f) == o.no_hidden();
  });
  check_option_rule(o.point_residual() != PointResidual::Reference || equal_widths, o.point_residual(),
                    "PointCCNNOptions::point_residual",
                    fmt::format("'reference' needs blocks of equal width (the official code fails for blocks "
                                "that change it), got block_width_factors [{}]",
                                fmt::join(spec, ", ")));
  nn::validate(o.conv());
}

PointCCNNImpl::PointCCNNImpl(PointCCNNOptions options_) : options(std::move(options_)) {
  const auto& o = options;
  validate(o);
  const int64_t hidden = o.no_hidden();
  const auto factors = width_factors(o.block_width_factors(), o.no_blocks());
  auto conv_with = [&](int64_t in, int64_t out) {
    return nn::SeparablePointFlexConvOptions(o.conv()).in_channels(in).out_channels(out);
  };

  // Reference construction order: dropout_in, conv1, norm1, nonlinear, blocks, out_layer, out_norm.
  dropout_in = register_module("dropout_in", nn::make_dropout(nn::DropoutType::Dropout, o.dropout_in()));
  conv1 = register_module("conv1", nn::SeparablePointFlexConv(conv_with(o.in_channels(), hidden)));
  norm1 = register_module("norm1", nn::GraphBatchNorm(hidden));
  nonlinear = nn::make_activation(o.nonlinearity());
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
