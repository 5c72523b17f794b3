#include "nn/ccnn/graph_batch_norm.h"

namespace longconv::nn {

GraphBatchNormImpl::GraphBatchNormImpl(int64_t channels) {
  TORCH_CHECK(channels >= 1, "GraphBatchNorm needs channels >= 1, got ", channels);
  bn = register_module("bn", torch::nn::BatchNorm1d(channels));
}

torch::Tensor GraphBatchNormImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == bn->options.num_features(), "GraphBatchNorm expects [B, N, ",
              bn->options.num_features(), "], got ", x.sizes());
  return bn(x.reshape({x.size(0) * x.size(1), x.size(2)})).view(x.sizes());
}

}  // namespace longconv::nn
