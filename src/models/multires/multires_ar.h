// MultiresAR (autoregressive.py): the input shifted right by one position (a zero first), encoder -> n_layers x
// [MultiresLayer -> Conv1d/GLU/Dropout1d/Conv1d mixing -> residual -> norm] -> Conv1d decoder to the parameters of a
// discretized logistic mixture per position. Output [B, (3 if d_input == 1 else 10) * nr_logistic_mix, L]: output t
// depends on x[..., < t] only. Names equal the reference state_dict keys (encoder.weight, seq_layers.0.w,
// mixing_layers.0.3.weight, norms.0.bias, decoder.weight, ...).
#pragma once

#include <torch/torch.h>

#include "models/multires/multires_net.h"

namespace longconv::models {

struct MultiresAROptions {
  MultiresAROptions(int64_t d_input, int64_t nr_logistic_mix) : d_input_(d_input), nr_logistic_mix_(nr_logistic_mix) {}
  TORCH_ARG(int64_t, d_input);
  TORCH_ARG(int64_t, nr_logistic_mix);
  TORCH_ARG(ResidualStackOptions, stack);
};
void validate(const MultiresAROptions& options);  // nr_logistic_mix >= 1, d_input 1 or 3, the stack's rules

// Mixture parameters per position: 3 per component for one channel (logit, mean, log-scale), 10 for three
// (logit, and mean, log-scale, coefficient per channel).
int64_t mixture_channels(int64_t d_input, int64_t nr_logistic_mix);

class MultiresARImpl : public torch::nn::Cloneable<MultiresARImpl> {
 public:
  explicit MultiresARImpl(MultiresAROptions options);
  void reset() override;
  // x: [B, d_input, L] floats (linear encoder) or [B, L] int64 tokens (embedding) -> [B, d_output, L].
  torch::Tensor forward(const torch::Tensor& x);

  MultiresAROptions options;
  int64_t d_output = 0;
  InputEncoder encoder;
  ResidualBlocks blocks;
  nn::PointwiseLinear decoder{nullptr};
};
TORCH_MODULE(MultiresAR);

}  // namespace longconv::models
