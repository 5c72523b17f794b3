// The reference's net.dropout_type by name: "Dropout" zeroes single values; "Dropout1d/2d/3d" zero whole channels of
// [B, C, *spatial] per example (torch 1.13's Dropout2d on [B, C, L] drops channels too).
#pragma once

#include <torch/torch.h>

#include "util/enum_names.h"
#include "util/option_check.h"

namespace longconv::nn {

enum class DropoutType { Dropout, Dropout1d, Dropout2d, Dropout3d };
extern const EnumNames<DropoutType> kDropoutTypeNames;
extern const Constraint kDropoutProbability;  // [0, 1]

class DropoutNdImpl : public torch::nn::Module {
 public:
  // OptionError unless p is in [0, 1].
  DropoutNdImpl(double p, bool channelwise);
  torch::Tensor forward(const torch::Tensor& x);
  // For a channelwise dropout, this call's keep / (1 - p) per sample and channel of x [B, C, *], [B, C, 1], for a
  // kernel that applies it in its own pass (nn::gelu); undefined where the dropout is the identity (eval mode,
  // p = 0). forward(x) draws the same.
  torch::Tensor channel_scale(const torch::Tensor& x);
  // Whether channel_scale can stand for forward: channelwise, or the identity.
  bool has_channel_scale() const { return channelwise || p == 0.0 || !is_training(); }

  double p;
  bool channelwise;
};
TORCH_MODULE(DropoutNd);

DropoutNd make_dropout(DropoutType type, double p);

}  // namespace longconv::nn
