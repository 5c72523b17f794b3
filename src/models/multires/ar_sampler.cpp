#include "models/multires/ar_sampler.h"

#include <vector>

#include <ATen/Parallel.h>

#include "models/multires/multires_model_stream.h"
#include "nn/multires/discretized_mix_logistic.h"

namespace longconv::models {
namespace {

int64_t checked_positions(const MultiresAR& net, const SampleOptions& o) {
  TORCH_CHECK(net->encoder.linear, "sampling needs a MultiresAR with a linear encoder (pixels, not tokens)");
  TORCH_CHECK(!net->is_training(), "sampling runs the model in eval mode; call eval() first");
  TORCH_CHECK(o.n >= 1, "sampling needs n >= 1 images, got ", o.n);
  TORCH_CHECK(o.length >= 1, "sampling needs length >= 1, got ", o.length);
  const int64_t positions = o.positions.value_or(o.length);
  TORCH_CHECK(positions >= 0 && positions <= o.length, "sampling positions must be in [0, ", o.length, "], got ",
              positions);
  return positions;
}

// The draws for one position of n images, as the reference makes them.
nn::MixtureNoise draw_position_noise(const MultiresAR& net, int64_t n, at::Generator& generator) {
  return nn::draw_mixture_noise({n}, net->options.nr_logistic_mix(), net->options.d_input(), generator);
}

// Samples one position from its mixture parameters [n, d_output].
torch::Tensor sample_position(const MultiresAR& net, const torch::Tensor& params, const nn::MixtureNoise& noise) {
  return nn::sample_discretized_mix_logistic(params, net->options.d_input(), noise);
}

}  // namespace

torch::Tensor sample_streaming(MultiresAR net, const SampleOptions& o, at::Generator& generator) {
  const int64_t positions = checked_positions(net, o);
  auto samples = torch::zeros({o.n, net->options.d_input(), o.length}, torch::TensorOptions().dtype(o.dtype));
  // All draws up front, in the order position-by-position sampling makes them.
  std::vector<nn::MixtureNoise> noise;
  for (int64_t t = 0; t < positions; ++t) noise.push_back(draw_position_noise(net, o.n, generator));
  // Images are independent: each thread streams its own slice of the batch through every position, so threads
  // meet once instead of in each of the many tiny per-position ops (where waking them costs more than the work).
  at::parallel_for(0, o.n, 1, [&](int64_t begin, int64_t end) {
    torch::NoGradGuard no_grad;  // grad mode is per thread
    const int64_t n = end - begin;
    MultiresARStream stream(net, n, o.dtype);
    auto previous = stream.first_input();
    for (int64_t t = 0; t < positions; ++t) {
      const nn::MixtureNoise slice{noise[t].temp.narrow(0, begin, n), noise[t].u.narrow(0, begin, n)};
      previous = sample_position(net, stream.step(previous), slice);
      samples.narrow(0, begin, n).select(-1, t).copy_(previous);
    }
  });
  return samples;
}

torch::Tensor sample_full_recompute(MultiresAR net, const SampleOptions& o, at::Generator& generator) {
  const int64_t positions = checked_positions(net, o);
  torch::NoGradGuard no_grad;
  auto samples = torch::zeros({o.n, net->options.d_input(), o.length}, torch::TensorOptions().dtype(o.dtype));
  for (int64_t t = 0; t < positions; ++t) {
    const auto params = net->forward(samples).select(-1, t);
    samples.select(-1, t).copy_(sample_position(net, params, draw_position_noise(net, o.n, generator)));
  }
  return samples;
}

}  // namespace longconv::models
