// MultiresConv (Shi, Wang, Fox, ICML 2023): a causal dilated convolution tree with two filters h0 (low pass) and h1
// (high pass) shared across levels; level l (dilation 2^l) maps res_lo_l to res_hi_l and res_lo_{l+1}. The tree's
// coefficients and the input are mixed per channel by the weights w into the multiscale memory y (before GELU).
//
// Shapes: x [B, C, L]; h0, h1 [C, 1, kernel_size]; w [C, m + 1]; y [B, C, L].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "util/enum_names.h"

namespace longconv::nn {

enum class TreeSelect { Fading, Uniform };

extern const EnumNames<TreeSelect> kTreeSelectNames;  // fading, uniform

// How one tree coefficient c enters y: y[t] += sum_{j < width} w[col + j] * c[t - j * dilation].
// width 0: the coefficient is not part of the memory.
struct LevelMix {
  int64_t col = 0;
  int64_t width = 0;
  int64_t dilation = 1;
};

struct MixPlan {
  int64_t depth = 0;
  int64_t kernel_size = 0;
  std::vector<LevelMix> hi;  // hi[l]: res_hi of level l (tree dilation 2^l)
  LevelMix lo;               // the final res_lo
  int64_t residual_col = 0;  // column multiplying x itself (the last one)
  int64_t columns() const { return residual_col + 1; }
};

// One term of the memory y: w[mix.col + j] times a tree coefficient read j * mix.dilation positions back, the
// coefficient being res_hi of `level` (hi) or the input of `level` (not hi: level 0 is x itself, level depth the
// final res_lo).
struct MixTerm {
  bool hi = false;
  int64_t level = 0;
  LevelMix mix;
};

// The terms of y in the order every kernel sums them: x (residual column), res_hi of each level the plan reads,
// the final res_lo.
std::vector<MixTerm> mix_terms(const MixPlan& plan);

// Fading: every res_hi level and the final res_lo get one column (memory m = depth + 1).
// Uniform: the reference's uniform_tree_select: the memory of `memory_size` columns is spread over the coarsest
// levels, each level reading a window of its own past (dilated by its resolution).
MixPlan make_mix_plan(TreeSelect select, int64_t depth, int64_t kernel_size, int64_t memory_size);

// Fused CPU kernel (float32/float64) with its own backward: one pass per row keeps the whole tree in cache, where
// LibTorch's grouped dilated conv1d is slow; fading plans take multires_conv_fading.h's kernel. Other devices and
// dtypes use multires_conv_aten.
torch::Tensor multires_conv(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1,
                            const torch::Tensor& w, const MixPlan& plan);

// The reference's algorithm (forward_fading / forward_uniform) in LibTorch ops: any device, autograd through ATen.
torch::Tensor multires_conv_aten(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1,
                                 const torch::Tensor& w, const MixPlan& plan);

}  // namespace longconv::nn
