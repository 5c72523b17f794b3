#include "nn/common/channel_norm.h"

#include <stdexcept>

namespace longconv::nn {

ChannelLayerNormImpl::ChannelLayerNormImpl(int64_t channels) {
  ln = register_module("ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({channels})));
}

torch::Tensor ChannelLayerNormImpl::forward(const torch::Tensor& x) { return ln(x.transpose(1, -1)).transpose(-1, 1); }

torch::nn::AnyModule make_channel_norm(const std::string& name, int64_t channels, int64_t data_dim) {
  if (name == "BatchNorm") {
    if (data_dim == 1) return torch::nn::AnyModule(torch::nn::BatchNorm1d(channels));
    if (data_dim == 2) return torch::nn::AnyModule(torch::nn::BatchNorm2d(channels));
    return torch::nn::AnyModule(torch::nn::BatchNorm3d(channels));
  }
  if (name == "LayerNorm") return torch::nn::AnyModule(ChannelLayerNorm(channels));
  if (name == "Identity") return torch::nn::AnyModule(torch::nn::Identity());
  throw std::runtime_error("net.norm: unknown norm '" + name + "' (known: BatchNorm, LayerNorm, Identity)");
}

}  // namespace longconv::nn
