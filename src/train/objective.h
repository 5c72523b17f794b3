// The loss and the reported metric of a task, so the trainer never looks inside the model's output.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "data/dataset.h"
#include "util/enum_names.h"

namespace longconv::train {

// The collectives a sharded epoch's accumulations need: `sum` adds a float64 tensor over the ranks, `gather`
// concatenates each rank's tensor along dim 0 in rank order.
struct ShardReduce {
  std::function<torch::Tensor(const torch::Tensor&)> sum;
  std::function<torch::Tensor(const torch::Tensor&)> gather;
};

class Objective {
 public:
  virtual ~Objective() = default;

  // Mean loss over the batch (the quantity that is differentiated).
  virtual torch::Tensor loss(const torch::Tensor& output, const data::Batch& batch) const = 0;

  // Metric accumulated over an epoch: reset(), add() per batch, value() at the end. Better is higher unless
  // higher_is_better() says otherwise.
  virtual void reset() = 0;
  virtual void add(const torch::Tensor& output, const data::Batch& batch) = 0;
  virtual double value() const = 0;
  // Turns this rank's accumulation of a sharded epoch into the whole epoch's (then value() is the metric of one
  // process that saw every example).
  virtual void reduce(const ShardReduce& ranks) = 0;
  // The accumulated state, for a mid-epoch checkpoint: restore(state()) continues the epoch's metric exactly.
  virtual std::vector<torch::Tensor> state() const = 0;
  virtual void restore(const std::vector<torch::Tensor>& state) = 0;
  virtual std::string name() const = 0;                // "accuracy"
  virtual std::string format(double value) const = 0;  // "87.12%"
  // Picks the best epoch: accuracy grows, bits per dimension shrink.
  virtual bool higher_is_better() const { return true; }
};

// Classification: cross entropy, accuracy in % (per example, or per step for [B, L] labels). Regression: mean squared
// error, metric neg_mse. MultiLabel: BCE with logits, macro AUROC (train/auroc.h). Density: discretized logistic
// mixture negative log-likelihood, bits per dimension (lower is better).
std::unique_ptr<Objective> make_objective(data::Task task);

// The tasks by name ("classification", "multi_label", "density", "regression"), for `longconv list`.
extern const EnumNames<data::Task> kTaskNames;

}  // namespace longconv::train
