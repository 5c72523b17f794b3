// FlexConv's Gaussian mask and the dynamic crop of the kernel grid it allows (ckconv/nn/flexconv.py).
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

// exp(-0.5 * sum_d (p_d - mean_d)^2 / (sigma_d^2 + 1e-8)): positions [1, D, *K], mean/sigma [D] -> [1, 1, *K].
torch::Tensor gaussian_mask(const torch::Tensor& positions, const torch::Tensor& mean, const torch::Tensor& sigma);

// Crops the grid positions [1, D, *T] to where the mask is above `threshold`, with the reference's float32 tensor
// arithmetic (in the dtype of sigma). `step` is the grid spacing as a 0-dim tensor.
//   causal (1D): root = min(mean -+ aux), aux = sigma sqrt(-2 ln threshold); keeps [floor((root + 1) / step):].
//   centred: per dim root_d = max|mean_d -+ aux_d|; keeps [T/2 - (i-1), T/2 + i), i = ceil(root_d / step + 1e-8).
// A root outside (-1, 1) leaves that dim whole.
torch::Tensor crop_to_mask(const torch::Tensor& positions, const torch::Tensor& mean, const torch::Tensor& sigma,
                           const torch::Tensor& threshold, const torch::Tensor& step, bool causal);

}  // namespace longconv::nn
