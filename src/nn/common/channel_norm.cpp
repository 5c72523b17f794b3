#include "nn/common/channel_norm.h"

namespace longconv::nn {

const EnumNames<ChannelNorm> kChannelNormNames = {
    {"BatchNorm", ChannelNorm::BatchNorm}, {"LayerNorm", ChannelNorm::LayerNorm}, {"Identity", ChannelNorm::Identity}};

ChannelLayerNormImpl::ChannelLayerNormImpl(int64_t channels) {
  ln = register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
}

torch::Tensor ChannelLayerNormImpl::forward(const torch::Tensor& x) { return ln(x.transpose(1, -1)).transpose(-1, 1); }

torch::nn::AnyModule make_channel_norm(ChannelNorm norm, int64_t channels, int64_t data_dim) {
  switch (norm) {
    case ChannelNorm::BatchNorm:
      if (data_dim == 1) return torch::nn::AnyModule(torch::nn::BatchNorm1d(channels));
      if (data_dim == 2) return torch::nn::AnyModule(torch::nn::BatchNorm2d(channels));
      return torch::nn::AnyModule(torch::nn::BatchNorm3d(channels));
    case ChannelNorm::LayerNorm:
      return torch::nn::AnyModule(ChannelLayerNorm(channels));
    case ChannelNorm::Identity:
      return torch::nn::AnyModule(torch::nn::Identity());
  }
  TORCH_CHECK(false, "make_channel_norm: value out of range");
}

}  // namespace longconv::nn
