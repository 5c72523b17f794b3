// Norm layers over the channels of [B, C, *spatial] by the reference's net.norm names: "BatchNorm"
// (nn/common/batch_norm.h: BatchNorm1d/2d/3d by data_dim), "LayerNorm" (ckconv.nn.LayerNorm: torch LayerNorm over C,
// registered as submodule `ln`), "Identity".
#pragma once

#include <torch/torch.h>

#include "util/enum_names.h"

namespace longconv::nn {

enum class ChannelNorm { BatchNorm, LayerNorm, Identity };
extern const EnumNames<ChannelNorm> kChannelNormNames;

class ChannelLayerNormImpl : public torch::nn::Module {
 public:
  explicit ChannelLayerNormImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::LayerNorm ln{nullptr};
};
TORCH_MODULE(ChannelLayerNorm);

torch::nn::AnyModule make_channel_norm(ChannelNorm norm, int64_t channels, int64_t data_dim);

}  // namespace longconv::nn
