// GraphBatchNorm (ckconv/nn/norm.py): BatchNorm1d over the channels of point features x [B, N, C], statistics over all
// B * N points. The reference registers its BatchNorm1d twice (`self.bn = self.module`), so its state_dict holds each
// tensor as `bn.*` and `module.*`: here `bn` is registered once and `module` is an io::StateLayout alias (saved as a
// copy, loadable in place of `bn`, both present must be equal).
#pragma once

#include <torch/torch.h>

#include "io/state_dict.h"

namespace longconv::nn {

class GraphBatchNormImpl : public torch::nn::Module, public io::StateLayout {
 public:
  explicit GraphBatchNormImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);  // [B, N, C] -> [B, N, C]
  std::vector<std::pair<std::string, std::string>> state_aliases() const override { return {{"module", "bn"}}; }

  torch::nn::BatchNorm1d bn{nullptr};
};
TORCH_MODULE(GraphBatchNorm);

}  // namespace longconv::nn
