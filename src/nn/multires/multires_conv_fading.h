// The fused MultiresConv CPU kernel for plans whose every memory term has one column (the reference's fading tree
// selection, which every paper config uses). Each row's tree runs level by level over zero-padded row buffers that
// stay in L1/L2: a level's taps are summed in registers, its res_hi goes straight into y and only its res_lo is
// stored. The backward recomputes the levels' inputs and never forms res_hi or its gradient: w's and h1's
// gradients come from the same tap sums <gy shifted, level input>. multires_conv.cpp's general kernel serves the
// other plans.
#pragma once

#include <torch/torch.h>

#include "nn/multires/multires_conv.h"

namespace longconv::nn {

// Whether the plan's terms all have width 1 (fading).
bool is_fading_plan(const MixPlan& plan);

// y = MultiresConv(x); contiguous CPU float32/float64 tensors of the shapes in multires_conv.h.
void fading_forward(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w,
                    const MixPlan& plan, torch::Tensor& y);

// gx, and per-row partial gradients dh0, dh1 [B, C, k] and dw [B, C, columns] (zero-filled by the caller, summed
// over B afterwards, so the result does not depend on the thread count).
void fading_backward(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w,
                     const MixPlan& plan, const torch::Tensor& gy, torch::Tensor& gx, torch::Tensor& dh0,
                     torch::Tensor& dh1, torch::Tensor& dw);

}  // namespace longconv::nn
