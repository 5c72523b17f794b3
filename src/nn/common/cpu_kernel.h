// Where longconv's hand-written CPU kernels (nn/gelu, nn/depthwise_conv, nn/pointwise_linear's per-example GEMMs)
// apply: float32 or float64 tensors on the CPU. Elsewhere the layers fall back to LibTorch's own ops.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

inline bool has_cpu_kernel(const torch::Tensor& t) {
  return t.device().is_cpu() && (t.scalar_type() == torch::kFloat || t.scalar_type() == torch::kDouble);
}

}  // namespace longconv::nn
