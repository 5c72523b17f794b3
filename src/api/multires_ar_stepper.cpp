#include "longconv/multires_ar_stepper.h"

#include <optional>
#include <stdexcept>

#include "models/multires/multires_model_stream.h"
#include "nn/multires/discretized_mix_logistic.h"

namespace longconv {
namespace {

// The model's MultiresAR, or std::invalid_argument naming what it is instead.
models::MultiresAR multires_ar(const Model& model) {
  auto impl = std::dynamic_pointer_cast<models::MultiresARImpl>(model.module());
  if (!impl) throw std::invalid_argument("MultiresARStepper: needs a MultiresAR, got net.type " + model.net_type());
  if (!impl->encoder.linear)
    throw std::invalid_argument("MultiresARStepper: needs a linear (pixel) encoder, the model embeds tokens");
  if (!model.device().is_cpu())
    throw std::invalid_argument("MultiresARStepper: streams on the CPU, the model is on " + model.device().str());
  return models::MultiresAR(impl);
}

}  // namespace

struct MultiresARStepper::State {
  models::MultiresAR net;
  int64_t batch;
  torch::Dtype dtype;
  std::optional<models::MultiresARStream> stream;
  torch::Tensor params;  // of the next position
  int64_t position = 0;

  void reset() {
    torch::NoGradGuard no_grad;
    stream.emplace(net, batch, dtype);
    params = stream->step(stream->first_input());  // the model sees its input shifted by one: zeros first
    position = 0;
  }
};

MultiresARStepper::MultiresARStepper(const Model& model, int64_t batch)
    : state_(new State{multires_ar(model), batch, model.dtype(), std::nullopt, torch::Tensor(), 0}) {
  if (batch < 1) throw std::invalid_argument("MultiresARStepper: batch must be >= 1, got " + std::to_string(batch));
  state_->reset();
}

MultiresARStepper::~MultiresARStepper() = default;
MultiresARStepper::MultiresARStepper(MultiresARStepper&&) noexcept = default;
MultiresARStepper& MultiresARStepper::operator=(MultiresARStepper&&) noexcept = default;

torch::Tensor MultiresARStepper::next_distribution() const { return state_->params; }

torch::Tensor MultiresARStepper::sample(at::Generator& generator) const {
  const auto& o = state_->net->options;
  torch::NoGradGuard no_grad;
  const nn::MixtureNoise noise = nn::draw_mixture_noise({state_->batch}, o.nr_logistic_mix(), o.d_input(), generator);
  return nn::sample_discretized_mix_logistic(state_->params, o.d_input(), noise);
}

void MultiresARStepper::push(const torch::Tensor& x) {
  const int64_t d_input = state_->net->options.d_input();
  TORCH_CHECK(x.dim() == 2 && x.size(0) == state_->batch && x.size(1) == d_input,
              "MultiresARStepper::push: x must be [batch, d_input] = [", state_->batch, ", ", d_input, "], got ",
              x.sizes());
  torch::NoGradGuard no_grad;
  state_->params = state_->stream->step(x.to(state_->dtype));
  ++state_->position;
}

int64_t MultiresARStepper::position() const { return state_->position; }

void MultiresARStepper::reset() { state_->reset(); }

}  // namespace longconv
