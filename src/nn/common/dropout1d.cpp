#include "nn/common/dropout1d.h"

namespace longconv::nn {

torch::Tensor channel_keep_scale(double p, int64_t batch, int64_t channels, const torch::TensorOptions& options) {
  if (p == 1.0) return torch::zeros({batch, channels, 1}, options);
  return torch::empty({batch, channels, 1}, options).bernoulli_(1.0 - p).div_(1.0 - p);
}

Dropout1dImpl::Dropout1dImpl(double p) : p_(p) {
  TORCH_CHECK(p >= 0.0 && p <= 1.0, "Dropout1d probability must be in [0, 1], got ", p);
}

torch::Tensor Dropout1dImpl::channel_scale(int64_t batch, int64_t channels, const torch::TensorOptions& options) {
  if (!is_training() || p_ == 0.0) return {};
  return channel_keep_scale(p_, batch, channels, options);
}

torch::Tensor Dropout1dImpl::forward(const torch::Tensor& x) {
  if (!is_training() || p_ == 0.0) return x;
  TORCH_CHECK(x.dim() == 3, "Dropout1d expects [B, C, L], got ", x.sizes());
  return x * channel_scale(x.size(0), x.size(1), x.options());
}

}  // namespace longconv::nn
