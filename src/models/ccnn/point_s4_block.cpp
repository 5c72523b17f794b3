#include "models/ccnn/point_s4_block.h"

#include <fmt/format.h>

namespace longconv::models {

const EnumNames<PointResidual> kPointResidualNames = {{"add", PointResidual::Add},
                                                      {"reference", PointResidual::Reference}};

void validate(const PointS4BlockOptions& o) {
  check_option(o.dropout(), nn::kDropoutProbability, "PointS4BlockOptions::dropout");
  // The reference's projecting shortcut overwrites data.x before the branch reads it: its net cannot run then.
  const auto& c = o.conv();
  check_option_rule(o.residual() != PointResidual::Reference || c.in_channels() == c.out_channels(), o.residual(),
                    "PointS4BlockOptions::residual",
                    fmt::format("'reference' needs blocks of equal width (the official code fails for a block of {} "
                                "-> {} channels)",
                                c.in_channels(), c.out_channels()));
  nn::validate(c);
}

PointS4BlockImpl::PointS4BlockImpl(PointS4BlockOptions options_) : options(std::move(options_)) {
  validate(options);
  const auto& c = options.conv();
  const int64_t in = c.in_channels(), out = c.out_channels();
  // Reference construction order: conv1, nonlinears, norm1, linear1, dp, shortcut.
  conv1 = register_module("conv1", nn::SeparablePointFlexConv(c));
  nonlinears = register_module("nonlinears", torch::nn::ModuleList());
  for (int i = 0; i < 2; ++i) {
    activations_.push_back(nn::make_activation(options.nonlinearity()));
    nonlinears->push_back(activations_.back().ptr());
  }
  norm1 = register_module("norm1", nn::GraphBatchNorm(options.prenorm() ? in : out));
  linear1 = register_module("linear1", nn::GraphLinear(out, out));
  dp = register_module("dp", nn::make_dropout(options.dropout_type(), options.dropout()));
  shortcut = register_module("shortcut", torch::nn::Sequential());
  if (in != out) shortcut->push_back(nn::GraphLinear(in, out));
}

torch::Tensor PointS4BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& rel_pos,
                                        const torch::Tensor& sorted_indices) {
  const torch::Tensor h = options.prenorm() ? norm1(x) : x;
  // Dropout2d on [B, N, C] drops whole points, as torch's Dropout2d does on the reference's [B, N, C] (p = 0 in every
  // paper command).
  const torch::Tensor branch =
      activations_[1].forward(linear1(dp(activations_[0].forward(conv1(h, rel_pos, sorted_indices)))));
  const torch::Tensor y = options.residual() == PointResidual::Reference ? branch + branch
                          : shortcut->is_empty()                         ? branch + x
                                                                         : branch + shortcut->forward(x);
  return options.prenorm() ? y : norm1(y);
}

}  // namespace longconv::models
