// The loss and the reported metric of a task, so the trainer never looks inside the model's output.
#pragma once

#include <memory>
#include <string>

#include <torch/torch.h>

#include "data/dataset.h"

namespace longconv::train {

class Objective {
 public:
  virtual ~Objective() = default;

  // Mean loss over the batch (the quantity that is differentiated).
  virtual torch::Tensor loss(const torch::Tensor& output, const data::Batch& batch) const = 0;

  // Metric accumulated over an epoch: reset(), add() per batch, value() at the end. Higher is better.
  virtual void reset() = 0;
  virtual void add(const torch::Tensor& output, const data::Batch& batch) = 0;
  virtual double value() const = 0;
  virtual std::string name() const = 0;                // "accuracy"
  virtual std::string format(double value) const = 0;  // "87.12%"
};

// Classification: cross entropy, accuracy in % (per example, or per step for [B, L] labels). Regression: mean squared
// error, metric neg_mse. MultiLabel and Density are not implemented yet (error).
std::unique_ptr<Objective> make_objective(data::Task task);

}  // namespace longconv::train
