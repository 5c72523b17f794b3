#include "models/ccnn/ccnn_resnet.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nn/common/activation_checkpoint.h"

namespace longconv::models {

namespace {

nn::CKConvOptions conv_with(nn::CKConvOptions conv, int64_t in, int64_t out) {
  return conv.in_channels(in).out_channels(out);
}

}  // namespace

std::vector<double> width_factors(const std::vector<double>& spec, int64_t no_blocks) {
  std::vector<double> factors;
  if (spec.empty()) return factors;
  if (spec[0] == 0.0) return std::vector<double>(static_cast<size_t>(std::max<int64_t>(no_blocks, 0)), 1.0);
  if (spec.size() % 2 != 0) return factors;
  for (size_t i = 0; i < spec.size(); i += 2)
    for (int64_t k = 0; k < static_cast<int64_t>(spec[i + 1]); ++k) factors.push_back(spec[i]);
  return factors;
}

void validate(const CCNNOptions& o) {
  check_option(o.no_hidden(), at_least(1), "CCNNOptions::no_hidden");
  check_option(o.no_blocks(), at_least(0), "CCNNOptions::no_blocks");
  check_option(o.dropout(), nn::kDropoutProbability, "CCNNOptions::dropout");
  check_option(o.dropout_in(), nn::kDropoutProbability, "CCNNOptions::dropout_in");
  const auto& spec = o.block_width_factors();
  const auto factors = width_factors(spec, o.no_blocks());
  check_option_rule(static_cast<int64_t>(factors.size()) == o.no_blocks() && (o.no_blocks() == 0 || !spec.empty()),
                    o.block_width_factors(), "CCNNOptions::block_width_factors",
                    fmt::format("expected [0.0] or (factor, count) pairs giving no_blocks = {} widths, got [{}]",
                                o.no_blocks(), fmt::join(spec, ", ")));
  check_option_rule(o.downsampling().empty() || o.downsampling_size() >= 1, o.downsampling_size(),
                    "CCNNOptions::downsampling_size",
                    fmt::format("expected >= 1 with downsampling set, got {}", o.downsampling_size()));
  nn::validate(o.conv());
}

CCNNImpl::CCNNImpl(CCNNOptions options_) : options(std::move(options_)) {
  const auto& o = options;
  validate(o);
  const int64_t d = o.conv().data_dim(), hidden = o.no_hidden();
  const auto factors = width_factors(o.block_width_factors(), o.no_blocks());

  // Reference construction order: dropout_in, conv1, norm1, nonlinear, blocks, out_layer (+ init), out_norm.
  dropout_in = register_module("dropout_in", nn::make_dropout(nn::DropoutType::Dropout, o.dropout_in()));
  conv1 = register_module("conv1", nn::CKConv(conv_with(o.conv(), o.in_channels(), hidden)));
  norm1 = nn::make_channel_norm(o.norm(), hidden, d);
  register_module("norm1", norm1.ptr());
  nonlinear = nn::make_activation(o.nonlinearity());
  register_module("nonlinear", nonlinear.ptr());
  blocks = register_module("blocks", torch::nn::Sequential());
  int64_t channels = hidden;
  for (int64_t i = 0; i < o.no_blocks(); ++i) {
    const auto width = static_cast<int64_t>(static_cast<double>(hidden) * factors[static_cast<size_t>(i)]);
    blocks->push_back(S4Block(S4BlockOptions(conv_with(o.conv(), channels, width))
                                  .nonlinearity(o.nonlinearity())
                                  .norm(o.norm())
                                  .dropout_type(o.dropout_type())
                                  .dropout(o.dropout())
                                  .prenorm(o.block_prenorm())));
    channels = width;
    if (std::find(o.downsampling().begin(), o.downsampling().end(), i) != o.downsampling().end()) {
      const int64_t k = o.downsampling_size();
      if (d == 1) blocks->push_back(torch::nn::MaxPool1d(k));
      if (d == 2) blocks->push_back(torch::nn::MaxPool2d(k));
      if (d == 3) blocks->push_back(torch::nn::MaxPool3d(k));
    }
  }
  out_layer = register_module("out_layer", nn::PointwiseLinear(channels, o.out_channels(), d));
  {
    torch::NoGradGuard no_grad;
    torch::nn::init::kaiming_normal_(out_layer->weight);
    out_layer->bias.fill_(0.0);
  }
  out_norm =
      o.block_prenorm() ? nn::make_channel_norm(o.norm(), channels, d) : torch::nn::AnyModule(torch::nn::Identity());
  register_module("out_norm", out_norm.ptr());
}

torch::Tensor CCNNImpl::stem(const torch::Tensor& x) { return nonlinear.forward(norm1.forward(conv1(dropout_in(x)))); }

torch::Tensor CCNNImpl::forward(const torch::Tensor& x) {
  const int64_t d = options.conv().data_dim();
  TORCH_CHECK(x.dim() == 2 + d && x.size(1) == options.in_channels() && x.is_floating_point(),
              "CCNN expects float x of shape [B, in_channels=", options.in_channels(), ", ", d, " spatial dims], got ",
              x.sizes(), " ", x.scalar_type());
  torch::Tensor h;
  if (checkpoint_activations) {
    h = nn::checkpoint(
        {dropout_in.ptr(), conv1.ptr(), norm1.ptr(), nonlinear.ptr()},
        [this](const torch::Tensor& t) { return stem(t); }, x);
    for (const auto& block : *blocks)
      h = nn::checkpoint(
          {block.ptr()}, [m = block](const torch::Tensor& t) mutable { return m.forward<torch::Tensor>(t); }, h);
  } else {
    h = stem(x);
    if (!blocks->is_empty()) h = blocks->forward(h);
  }
  h = out_norm.forward(h);
  std::vector<int64_t> spatial;
  for (int64_t i = 0; i < d; ++i) spatial.push_back(2 + i);
  h = h.mean(spatial, /*keepdim=*/true);  // ResNet_sequence: mean over L; ResNet_image: adaptive_avg_pool to 1
  return out_layer(h).flatten(1);
}

}  // namespace longconv::models
