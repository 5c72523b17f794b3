#include "nn/common/channel_norm.h"

#include "nn/common/batch_norm.h"
#include "nn/common/channel_layer_norm.h"

namespace longconv::nn {

const EnumNames<ChannelNorm> kChannelNormNames = {
    {"BatchNorm", ChannelNorm::BatchNorm}, {"LayerNorm", ChannelNorm::LayerNorm}, {"Identity", ChannelNorm::Identity}};

ChannelLayerNormImpl::ChannelLayerNormImpl(int64_t channels) {
  ln = register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
}

torch::Tensor ChannelLayerNormImpl::forward(const torch::Tensor& x) {
  return channel_layer_norm(x, ln->weight, ln->bias, ln->options.eps());
}

torch::nn::AnyModule make_channel_norm(ChannelNorm norm, int64_t channels, int64_t data_dim) {
  TORCH_CHECK(data_dim >= 1 && data_dim <= 3, "make_channel_norm: data_dim must be 1, 2 or 3, got ", data_dim);
  switch (norm) {
    case ChannelNorm::BatchNorm:
      // One BatchNorm serves 1D, 2D and 3D (torch's BatchNorm1d/2d/3d differ only in the input check) and can be
      // synchronised over the ranks of a data-parallel run.
      return torch::nn::AnyModule(BatchNorm(channels));
    case ChannelNorm::LayerNorm:
      return torch::nn::AnyModule(ChannelLayerNorm(channels));
    case ChannelNorm::Identity:
      return torch::nn::AnyModule(torch::nn::Identity());
  }
  TORCH_CHECK(false, "make_channel_norm: value out of range");
}

}  // namespace longconv::nn
