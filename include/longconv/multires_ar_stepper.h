// Autoregressive streaming with a trained MultiresAR: read the distribution of the next position, push the value it
// takes (observed, or drawn with sample()), repeat. The distribution is the discretized mixture of logistics of
// PixelCNN++ over values in [-1, 1] (8-bit pixels k as (k / 255 - 0.5) * 2). Built on the exact streaming state of
// each layer's dilated tree: a position costs the same however many came before, and the parameters at position t
// equal Model::predict(x)[..., t] for the values x pushed before it.
#pragma once

#include <cstdint>
#include <memory>

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include "longconv/model.h"

namespace longconv {

class MultiresARStepper {
 public:
  // `batch` independent streams. The model must be a MultiresAR with a linear (pixel) encoder on the CPU;
  // std::invalid_argument otherwise.
  explicit MultiresARStepper(const Model& model, int64_t batch = 1);
  ~MultiresARStepper();
  MultiresARStepper(MultiresARStepper&&) noexcept;
  MultiresARStepper& operator=(MultiresARStepper&&) noexcept;

  // The mixture parameters of the next position [B, P]: nr_mix component logits, then per channel nr_mix means,
  // nr_mix log-scales and (three channels) nr_mix coefficients; P = 3 * nr_mix for one channel, 10 * nr_mix for three.
  torch::Tensor next_distribution() const;
  // A draw [B, d_input] in [-1, 1] from next_distribution(), as `longconv sample` draws it (not pushed).
  torch::Tensor sample(at::Generator& generator) const;
  // x: the value [B, d_input] at the next position; moves the distribution one position on.
  void push(const torch::Tensor& x);
  int64_t position() const;  // positions pushed so far
  void reset();              // back to the start of a sequence

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace longconv
