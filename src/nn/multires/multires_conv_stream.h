// MultiresConv one position at a time, for autoregressive sampling and online classification. It keeps only what
// the causal tree still needs from the past: for level l (dilation 2^l) a ring of its last (kernel_size - 1) * 2^l + 1
// inputs, and for a coefficient that the memory reads over a window (uniform tree selection) a ring of its last
// (width - 1) * dilation + 1 values. A ring slot holds one position for all B * C rows, so a step reads and writes
// contiguous rows. Rings hold exactly the slots they need: the state is the whole sampler's memory (B * C floats times
// about (kernel_size - 1) * 2^depth slots per layer, 9.8 GB for 64 images through the d512 x 48 CIFAR model), and
// rounding sizes up to powers of two made it up to 2x larger (1.3x there) to save a division per tap, not per row.
// A step costs O(depth * kernel_size + m) per row, against O(L * (depth * kernel_size + m)) for recomputing the whole
// sequence; the outputs equal multires_conv's at every position up to rounding.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "nn/multires/multires_conv.h"

namespace longconv::nn {

class MultiresConvStream {
 public:
  // The state starts at zero, as the reference's causal zero padding.
  MultiresConvStream(MixPlan plan, int64_t batch, int64_t channels, torch::Dtype dtype);

  // x: [B, C] at the next position -> y [B, C] (before the GELU); h0, h1, w as multires_conv takes them, on the CPU
  // in the state's dtype.
  torch::Tensor step(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w);

  int64_t position() const { return t_; }  // positions consumed so far

 private:
  struct Ring {
    int64_t offset = 0;  // first slot in state_
    int64_t size = 0;    // slots; 0: not kept
    // Slot of the value written `back` positions before position t (t - back < 0 wraps to a slot not written yet,
    // still zero, because size > back).
    int64_t slot(int64_t t, int64_t back) const { return offset + ((t - back) % size + size) % size; }
  };
  const Ring& ring(const MixTerm& term) const { return term.hi ? hi_[term.level] : lo_[term.level]; }

  MixPlan plan_;
  std::vector<MixTerm> terms_;
  int64_t batch_ = 0, channels_ = 0, t_ = 0;
  std::vector<Ring> lo_;  // lo_[l]: inputs of level l (lo_[0]: x, lo_[depth]: the final res_lo)
  std::vector<Ring> hi_;  // hi_[l]: res_hi of level l where the memory reads it
  torch::Tensor state_;   // [slots, B * C]
};

}  // namespace longconv::nn
