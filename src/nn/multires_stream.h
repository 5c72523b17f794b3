// MultiresConv one position at a time, for autoregressive sampling and online classification. Per (batch, channel)
// row it keeps only what the causal tree still needs from the past: for level l (dilation 2^l) a ring buffer of its
// last (kernel_size - 1) * 2^l + 1 inputs, and for a coefficient that the memory reads over a window (uniform tree
// selection) a ring of its last (width - 1) * dilation + 1 values. A step costs O(depth * kernel_size + m) per row,
// against O(L * (depth * kernel_size + m)) for recomputing the whole sequence; the outputs equal multires_conv's
// at every position up to rounding.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "nn/multires_conv.h"

namespace longconv::nn {

class MultiresConvStream {
 public:
  // `rows` = B * C; the state starts at zero, as the reference's causal zero padding.
  MultiresConvStream(MixPlan plan, int64_t batch, int64_t channels, torch::Dtype dtype);

  // x: [B, C] at the next position -> y [B, C] (before the GELU); h0, h1, w as multires_conv takes them, on the CPU
  // in the state's dtype.
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w);

  int64_t position() const { return t_; }  // positions consumed so far

 private:
  struct Ring {
    int64_t offset = 0;  // first column in state_
    int64_t size = 0;    // 0: no history kept
  };
  MixPlan plan_;
  int64_t batch_ = 0, channels_ = 0, t_ = 0;
  std::vector<Ring> lo_;  // lo_[l]: inputs of level l
  std::vector<Ring> hi_;  // hi_[l]: high-pass outputs of level l read over a window
  torch::Tensor state_;   // [B * C, total ring size]
};

}  // namespace longconv::nn
