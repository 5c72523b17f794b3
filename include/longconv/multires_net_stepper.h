// Streaming classification with a trained MultiresNet: push the input one position at a time and read the class
// probabilities after every position. Built on the exact streaming state of each layer's dilated tree, a position
// costs O(n_layers * (depth * kernel_size * d_model + d_model^2)) however many came before, and after t positions the
// logits equal Model::predict on the first t positions (the mean pooling runs over the positions seen so far).
#pragma once

#include <cstdint>
#include <memory>

#include <torch/torch.h>

#include "longconv/model.h"

namespace longconv {

class MultiresNetStepper {
 public:
  // `batch` independent streams. The model must be a MultiresNet on the CPU; std::invalid_argument otherwise.
  explicit MultiresNetStepper(const Model& model, int64_t batch = 1);
  ~MultiresNetStepper();
  MultiresNetStepper(MultiresNetStepper&&) noexcept;
  MultiresNetStepper& operator=(MultiresNetStepper&&) noexcept;

  // x: the next position, [B, d_input] floats (or [B] int64 tokens) -> logits [B, classes].
  torch::Tensor push(const torch::Tensor& x);
  // x: the next T positions, [B, d_input, T] floats (or [B, T] tokens), pushed in order -> logits after the last.
  torch::Tensor push_sequence(const torch::Tensor& x);

  torch::Tensor logits() const;         // [B, classes] after the positions pushed so far; an error before the first
  torch::Tensor probabilities() const;  // softmax(logits(), 1)
  int64_t position() const;             // positions pushed so far
  void reset();                         // back to an empty stream (the state of position 0)

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace longconv
