#include "longconv/multires_net_stepper.h"

#include <optional>
#include <stdexcept>

#include "models/multires/multires_model_stream.h"

namespace longconv {
namespace {

// The model's MultiresNet, or std::invalid_argument naming what it is instead.
models::MultiresNet multires_net(const Model& model) {
  auto impl = std::dynamic_pointer_cast<models::MultiresNetImpl>(model.module());
  if (!impl) throw std::invalid_argument("MultiresNetStepper: needs a MultiresNet, got net.type " + model.net_type());
  if (!model.device().is_cpu())
    throw std::invalid_argument("MultiresNetStepper: streams on the CPU, the model is on " + model.device().str());
  return models::MultiresNet(impl);
}

}  // namespace

struct MultiresNetStepper::State {
  models::MultiresNet net;
  int64_t batch;
  torch::Dtype dtype;
  std::optional<models::MultiresNetStream> stream;
  torch::Tensor logits;
  int64_t position = 0;

  void reset() {
    stream.emplace(net, batch, dtype);
    logits = torch::Tensor();
    position = 0;
  }
};

MultiresNetStepper::MultiresNetStepper(const Model& model, int64_t batch)
    : state_(new State{multires_net(model), batch, model.dtype(), std::nullopt, torch::Tensor(), 0}) {
  if (batch < 1) throw std::invalid_argument("MultiresNetStepper: batch must be >= 1, got " + std::to_string(batch));
  state_->reset();
}

MultiresNetStepper::~MultiresNetStepper() = default;
MultiresNetStepper::MultiresNetStepper(MultiresNetStepper&&) noexcept = default;
MultiresNetStepper& MultiresNetStepper::operator=(MultiresNetStepper&&) noexcept = default;

torch::Tensor MultiresNetStepper::push(const torch::Tensor& x) {
  const bool tokens = static_cast<bool>(state_->net->encoder.embedding);
  const int64_t d_input = state_->net->options.d_input();
  TORCH_CHECK(x.dim() == (tokens ? 1 : 2) && x.size(0) == state_->batch && (tokens || x.size(1) == d_input),
              "MultiresNetStepper::push: x must be ", tokens ? "[batch] tokens" : "[batch, d_input]", " = [",
              state_->batch, tokens ? "" : ", " + std::to_string(d_input), "], got ", x.sizes());
  torch::NoGradGuard no_grad;
  state_->logits = state_->stream->step(tokens ? x.to(torch::kInt64) : x.to(state_->dtype));
  ++state_->position;
  return state_->logits;
}

torch::Tensor MultiresNetStepper::push_sequence(const torch::Tensor& x) {
  const int64_t time_dim = state_->net->encoder.embedding ? 1 : 2;
  TORCH_CHECK(x.dim() == time_dim + 1 && x.size(time_dim) >= 1, "MultiresNetStepper::push_sequence: x must be ",
              time_dim == 1 ? "[batch, T]" : "[batch, d_input, T]", " with T >= 1, got ", x.sizes());
  for (int64_t t = 0; t < x.size(time_dim); ++t) push(x.select(time_dim, t));
  return state_->logits;
}

torch::Tensor MultiresNetStepper::logits() const {
  TORCH_CHECK(state_->position > 0, "MultiresNetStepper: no logits before the first push");
  return state_->logits;
}

torch::Tensor MultiresNetStepper::probabilities() const { return torch::softmax(logits(), 1); }

int64_t MultiresNetStepper::position() const { return state_->position; }

void MultiresNetStepper::reset() { state_->reset(); }

}  // namespace longconv
