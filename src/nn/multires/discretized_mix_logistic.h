// Discretized mixture of logistics (PixelCNN++, as the reference's utils.py has it): the likelihood of 8-bit pixels
// rescaled to [-1, 1] (k / 255 - 0.5) * 2, and sampling from it. One channel (grey) or three channels whose means
// depend linearly on the channels before them (RGB).
//
// Layout: parameters l [B, P, *S] and pixels x [B, C, *S] with the same trailing positions *S (none, [L], [H, W]).
// Per position, l holds nr_mix mixture logits, then for each channel c its block of means, log-scales and, for
// three channels, coefficients (nr_mix each): P = 3 * nr_mix for C = 1, 10 * nr_mix for C = 3.
#pragma once

#include <cstdint>
#include <vector>

#include <ATen/core/Generator.h>
#include <torch/torch.h>

namespace longconv::nn {

// Mixture components of parameters with `p` channels for `channels` pixel channels; an error when p does not fit.
int64_t mixture_components(int64_t p, int64_t channels);

// -sum over every pixel of the log-likelihood of x (utils.discretized_mix_logistic_loss for three channels; its
// one-channel twin from PixelCNN++ for one, which the reference lacks). Differentiable in l and x.
torch::Tensor discretized_mix_logistic_loss(const torch::Tensor& x, const torch::Tensor& l);

// The two uniform(1e-5, 1 - 1e-5) draws the reference sampler makes, in its order: temp [B, *S, nr_mix] (Gumbel-max
// choice of the component), then u [B, *S, C] (inverse logistic CDF). float32, as the reference draws them.
struct MixtureNoise {
  torch::Tensor temp;
  torch::Tensor u;
};

// Draws both from `generator` (a CPU generator seeded like torch.manual_seed reproduces the reference's draws).
MixtureNoise draw_mixture_noise(const std::vector<int64_t>& positions_shape, int64_t nr_mix, int64_t channels,
                                at::Generator& generator);

// A sample x [B, C, *S] in [-1, 1] from l [B, P, *S] (utils.sample_from_discretized_mix_logistic[_1d]), using
// `noise` drawn for positions_shape [B, *S]. Not rounded to the 8-bit grid, as the reference.
torch::Tensor sample_discretized_mix_logistic(const torch::Tensor& l, int64_t channels, const MixtureNoise& noise);

}  // namespace longconv::nn
