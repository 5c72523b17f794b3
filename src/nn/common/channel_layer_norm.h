// LayerNorm over dim 1 (the channels) of [B, C, *spatial], as the reference writes it: torch LayerNorm(C) between two
// transposes. On the CPU (float32, float64) one kernel normalises in place of the layout, so the two transposes'
// copies go, and `add_channel_layer_norm` folds the residual add before it (MultiresNet's norm(z + h)) into the same
// pass. Backward saves the normalised input's sum and its per-position mean and 1/std, as ATen's LayerNorm does.
// Other devices and dtypes use torch::layer_norm.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

// LayerNorm over dim 1 of x with weight and bias of shape [C].
torch::Tensor channel_layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                 double eps);

// channel_layer_norm(z + h, ...), without keeping z + h apart from the output when no gradient is needed.
torch::Tensor add_channel_layer_norm(const torch::Tensor& z, const torch::Tensor& h, const torch::Tensor& weight,
                                     const torch::Tensor& bias, double eps);

}  // namespace longconv::nn
