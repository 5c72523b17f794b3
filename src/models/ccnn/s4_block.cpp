#include "models/ccnn/s4_block.h"

#include "nn/common/activation.h"
#include "nn/common/channel_norm.h"
#include "nn/common/gelu.h"

namespace longconv::models {

S4BlockImpl::S4BlockImpl(S4BlockOptions options_) : options(std::move(options_)) {
  const auto& c = options.conv();
  const int64_t in = c.in_channels(), out = c.out_channels(), d = c.data_dim();
  // Reference construction order: conv1, nonlinears, norm1, linear1 (+ init), dp, shortcut (+ init).
  conv1 = register_module("conv1", nn::CKConv(c));
  nonlinears = register_module("nonlinears", torch::nn::ModuleList());
  for (int i = 0; i < 2; ++i) {
    activations_.push_back(nn::make_activation(options.nonlinearity()));
    nonlinears->push_back(activations_.back().ptr());
  }
  norm1 = nn::make_channel_norm(options.norm(), options.prenorm() ? in : out, d);
  register_module("norm1", norm1.ptr());
  linear1 = register_module("linear1", nn::PointwiseLinear(out, out, d));
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(linear1->weight);
  linear1->bias.fill_(0.0);
  dp = register_module("dp", nn::make_dropout(options.dropout_type(), options.dropout()));
  shortcut = register_module("shortcut", torch::nn::Sequential());
  if (in != out) {
    nn::PointwiseLinear proj(in, out, d);
    torch::nn::init::kaiming_normal_(proj->weight);
    proj->bias.fill_(0.0);
    shortcut->push_back(proj);
  }
}

torch::Tensor S4BlockImpl::forward(const torch::Tensor& x) {
  const torch::Tensor residual = shortcut->is_empty() ? x : shortcut->forward(x);
  const torch::Tensor h = options.prenorm() ? norm1.forward(x) : x;
  torch::Tensor y;
  if (options.nonlinearity() == nn::Activation::GELU && dp->has_channel_scale()) {
    // The dropout and the residual add inside the GELUs' passes.
    const torch::Tensor c = conv1(h);
    y = nn::gelu(linear1(nn::gelu(c, dp->channel_scale(c))), {}, residual);
  } else {
    y = activations_[1].forward(linear1(dp(activations_[0].forward(conv1(h))))) + residual;
  }
  return options.prenorm() ? y : norm1.forward(y);
}

}  // namespace longconv::models
