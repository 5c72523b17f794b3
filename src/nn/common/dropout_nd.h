// The reference's net.dropout_type by name: "Dropout" zeroes single values; "Dropout1d/2d/3d" zero whole channels of
// [B, C, *spatial] per example (torch 1.13's Dropout2d on [B, C, L] drops channels too).
#pragma once

#include <string>

#include <torch/torch.h>

namespace longconv::nn {

class DropoutNdImpl : public torch::nn::Module {
 public:
  DropoutNdImpl(double p, bool channelwise);
  torch::Tensor forward(const torch::Tensor& x);
  double p;
  bool channelwise;
};
TORCH_MODULE(DropoutNd);

DropoutNd make_dropout(const std::string& type, double p);  // errors name net.dropout_type / net.dropout

}  // namespace longconv::nn
