#include "nn/multires/discretized_mix_logistic.h"

#include <cmath>

namespace longconv::nn {
namespace {

// Parameters l [B, P, *S] as channels-last blocks: logits [B, *S, nr_mix] and per channel [B, *S, C, k * nr_mix]
// (k = 2 for one channel: means, log-scales; 3 for three: + coefficients).
struct Unpacked {
  int64_t nr_mix = 0;
  torch::Tensor logits;
  torch::Tensor per_channel;
};

Unpacked unpack(const torch::Tensor& l, int64_t channels) {
  TORCH_CHECK(l.dim() >= 2, "mixture parameters must be [B, P, ...], got ", l.sizes());
  Unpacked u;
  u.nr_mix = mixture_components(l.size(1), channels);
  const auto last = l.movedim(1, -1);
  u.logits = last.narrow(-1, 0, u.nr_mix);
  auto shape = last.sizes().vec();
  shape.back() = channels;
  shape.push_back(-1);
  u.per_channel = last.narrow(-1, u.nr_mix, last.size(-1) - u.nr_mix).reshape(shape);
  return u;
}

// utils.log_prob_from_logits and utils.log_sum_exp over the last dimension, op for op (max's gradient goes to the
// arg max, as there).
torch::Tensor log_prob_from_logits(const torch::Tensor& x) {
  const auto m = std::get<0>(x.max(-1, /*keepdim=*/true));
  return x - m - torch::log(torch::sum(torch::exp(x - m), -1, /*keepdim=*/true));
}

torch::Tensor log_sum_exp(const torch::Tensor& x) {
  const auto m = std::get<0>(x.max(-1));
  const auto m2 = std::get<0>(x.max(-1, /*keepdim=*/true));
  return m + torch::log(torch::sum(torch::exp(x - m2), -1));
}

}  // namespace

int64_t mixture_components(int64_t p, int64_t channels) {
  TORCH_CHECK(channels == 1 || channels == 3, "a discretized logistic mixture models 1 or 3 channels, got ", channels);
  const int64_t per_component = channels == 1 ? 3 : 10;
  TORCH_CHECK(p >= per_component && p % per_component == 0, "mixture parameters for ", channels,
              " channel(s) need a positive multiple of ", per_component, " channels, got ", p);
  return p / per_component;
}

torch::Tensor discretized_mix_logistic_loss(const torch::Tensor& x, const torch::Tensor& l) {
  TORCH_CHECK(x.dim() >= 2 && x.dim() == l.dim() && x.size(0) == l.size(0) && x.sizes().slice(2) == l.sizes().slice(2),
              "discretized_mix_logistic_loss expects x [B, C, ...] and l [B, P, ...] over the same positions, got x ",
              x.sizes(), " and l ", l.sizes());
  const int64_t channels = x.size(1);
  const Unpacked p = unpack(l, channels);
  const int64_t n = p.nr_mix;
  const auto xs = x.movedim(1, -1).unsqueeze(-1);  // [B, *S, C, 1], broadcast over the components
  auto means = p.per_channel.narrow(-1, 0, n);
  const auto log_scales = torch::clamp_min(p.per_channel.narrow(-1, n, n), -7.);
  if (channels == 3) {
    // Green and blue means shift with the channels before them.
    const auto coeffs = torch::tanh(p.per_channel.narrow(-1, 2 * n, n));
    auto channel = [](const torch::Tensor& t, int64_t c) { return t.select(-2, c); };
    const auto m2 = channel(means, 1) + channel(coeffs, 0) * channel(xs, 0);
    const auto m3 = channel(means, 2) + channel(coeffs, 1) * channel(xs, 0) + channel(coeffs, 2) * channel(xs, 1);
    means = torch::stack({channel(means, 0), m2, m3}, -2);
  }
  const auto centered_x = xs - means;
  const auto inv_stdv = torch::exp(-log_scales);
  const auto plus_in = inv_stdv * (centered_x + 1. / 255.);
  const auto cdf_plus = torch::sigmoid(plus_in);
  const auto min_in = inv_stdv * (centered_x - 1. / 255.);
  const auto cdf_min = torch::sigmoid(min_in);
  const auto log_cdf_plus = plus_in - torch::softplus(plus_in, 1, 20);  // bin of 0 (x = -1)
  const auto log_one_minus_cdf_min = -torch::softplus(min_in, 1, 20);   // bin of 255 (x = 1)
  const auto cdf_delta = cdf_plus - cdf_min;
  const auto mid_in = inv_stdv * centered_x;
  // Log-density at the bin's centre, for bins whose probability underflows.
  const auto log_pdf_mid = mid_in - log_scales - 2. * torch::softplus(mid_in, 1, 20);

  // The reference's select-by-multiplication (TensorFlow heritage): every branch is computed and weighted by a 0/1
  // mask, which also fixes the gradients.
  const auto inner_inner_cond = (cdf_delta > 1e-5).to(x.scalar_type());
  const auto inner_inner_out = inner_inner_cond * torch::log(torch::clamp_min(cdf_delta, 1e-12)) +
                               (1. - inner_inner_cond) * (log_pdf_mid - std::log(127.5));
  const auto inner_cond = (xs > 0.999).to(x.scalar_type());
  const auto inner_out = inner_cond * log_one_minus_cdf_min + (1. - inner_cond) * inner_inner_out;
  const auto cond = (xs < -0.999).to(x.scalar_type());
  const auto log_probs = cond * log_cdf_plus + (1. - cond) * inner_out;
  return -torch::sum(log_sum_exp(torch::sum(log_probs, -2) + log_prob_from_logits(p.logits)));
}

MixtureNoise draw_mixture_noise(const std::vector<int64_t>& positions_shape, int64_t nr_mix, int64_t channels,
                                at::Generator& generator) {
  auto shape = positions_shape;
  shape.push_back(nr_mix);
  MixtureNoise noise;
  noise.temp = torch::empty(shape, torch::kFloat32).uniform_(1e-5, 1. - 1e-5, generator);
  shape.back() = channels;
  noise.u = torch::empty(shape, torch::kFloat32).uniform_(1e-5, 1. - 1e-5, generator);
  return noise;
}

torch::Tensor sample_discretized_mix_logistic(const torch::Tensor& l, int64_t channels, const MixtureNoise& noise) {
  const Unpacked p = unpack(l, channels);
  const int64_t n = p.nr_mix;
  auto expected = p.logits.sizes().vec();
  TORCH_CHECK(noise.temp.sizes() == expected, "mixture noise temp must have shape ", expected, ", got ",
              noise.temp.sizes());
  expected.back() = channels;
  TORCH_CHECK(noise.u.sizes() == expected, "mixture noise u must have shape ", expected, ", got ", noise.u.sizes());
  const auto opts = l.options();
  // Gumbel-max choice of one component per position, shared by the channels.
  const auto gumbel = p.logits.detach() - torch::log(-torch::log(noise.temp.to(opts)));
  auto index = std::get<1>(gumbel.max(-1)).unsqueeze(-1).unsqueeze(-1);  // [B, *S, 1, 1]
  auto shape = index.sizes().vec();
  shape[shape.size() - 2] = channels;
  index = index.expand(shape);
  auto pick = [&](int64_t block) { return p.per_channel.narrow(-1, block * n, n).gather(-1, index).squeeze(-1); };
  const auto means = pick(0);
  const auto log_scales = torch::clamp_min(pick(1), -7.);
  const auto u = noise.u.to(opts);
  const auto x = means + torch::exp(log_scales) * (torch::log(u) - torch::log(1. - u));
  auto channel = [](const torch::Tensor& t, int64_t c) { return t.select(-1, c); };
  const auto x0 = torch::clamp(channel(x, 0), -1., 1.);
  if (channels == 1) return x0.unsqueeze(1);
  const auto coeffs = torch::tanh(pick(2));
  const auto x1 = torch::clamp(channel(x, 1) + channel(coeffs, 0) * x0, -1., 1.);
  const auto x2 = torch::clamp(channel(x, 2) + channel(coeffs, 1) * x0 + channel(coeffs, 2) * x1, -1., 1.);
  return torch::stack({x0, x1, x2}, 1);
}

}  // namespace longconv::nn
