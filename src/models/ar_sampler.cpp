#include "models/ar_sampler.h"

#include "models/multires_stream.h"
#include "nn/discretized_mix_logistic.h"

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

// Samples one position from its mixture parameters [n, d_output] with the next noise from the generator.
torch::Tensor sample_position(const MultiresAR& net, const torch::Tensor& params, at::Generator& generator) {
  const int64_t channels = net->options.d_input();
  const auto noise = nn::draw_mixture_noise({params.size(0)}, net->options.nr_logistic_mix(), channels, generator);
  return nn::sample_discretized_mix_logistic(params, channels, noise);
}

}  // namespace

torch::Tensor sample_streaming(MultiresAR net, const SampleOptions& o, at::Generator& generator) {
  const int64_t positions = checked_positions(net, o);
  torch::NoGradGuard no_grad;
  auto samples = torch::zeros({o.n, net->options.d_input(), o.length}, torch::TensorOptions().dtype(o.dtype));
  MultiresARStream stream(net, o.n, o.dtype);
  auto previous = stream.first_input();
  for (int64_t t = 0; t < positions; ++t) {
    previous = sample_position(net, stream.step(previous), generator);
    samples.select(-1, t).copy_(previous);
  }
  return samples;
}

torch::Tensor sample_full_recompute(MultiresAR net, const SampleOptions& o, at::Generator& generator) {
  const int64_t positions = checked_positions(net, o);
  torch::NoGradGuard no_grad;
  auto samples = torch::zeros({o.n, net->options.d_input(), o.length}, torch::TensorOptions().dtype(o.dtype));
  for (int64_t t = 0; t < positions; ++t) {
    const auto params = net->forward(samples).select(-1, t);
    samples.select(-1, t).copy_(sample_position(net, params, generator));
  }
  return samples;
}

}  // namespace longconv::models
