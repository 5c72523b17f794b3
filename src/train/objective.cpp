#include "train/objective.h"

#include <limits>

#include <fmt/format.h>

namespace longconv::train {
namespace {

class Classification : public Objective {
 public:
  torch::Tensor loss(const torch::Tensor& output, const data::Batch& batch) const override {
    check(output, batch);
    return torch::nn::functional::cross_entropy(output, batch.y);
  }

  void reset() override { correct_ = total_ = 0; }

  void add(const torch::Tensor& output, const data::Batch& batch) override {
    check(output, batch);
    correct_ += output.argmax(1).eq(batch.y).sum().item<int64_t>();
    total_ += batch.y.numel();
  }

  // An empty epoch has no accuracy; 0 keeps the log numeric and can never win "best".
  double value() const override { return total_ == 0 ? 0.0 : 100.0 * static_cast<double>(correct_) / total_; }
  std::string name() const override { return "accuracy"; }
  std::string format(double value) const override { return fmt::format("{:.2f}%", value); }

 private:
  static void check(const torch::Tensor& output, const data::Batch& batch) {
    // Per-step labels [B, L] pair with logits [B, classes, L], as cross_entropy takes them.
    const bool per_step = output.dim() == 3 && batch.y.dim() == 2 && output.size(2) == batch.y.size(1);
    TORCH_CHECK(((output.dim() == 2 && batch.y.dim() == 1) || per_step) && output.size(0) == batch.y.size(0),
                "classification expects logits [B, classes] and labels [B] (or [B, classes, L] and [B, L]), got "
                "output ", output.sizes(), " and labels ", batch.y.sizes());
  }

  int64_t correct_ = 0;
  int64_t total_ = 0;
};

// Mean squared error; the metric is its negation, so that higher is better as for every metric.
class Regression : public Objective {
 public:
  torch::Tensor loss(const torch::Tensor& output, const data::Batch& batch) const override {
    check(output, batch);
    return torch::mse_loss(output, batch.y);
  }

  void reset() override { squared_error_ = 0, count_ = 0; }

  void add(const torch::Tensor& output, const data::Batch& batch) override {
    check(output, batch);
    squared_error_ += (output - batch.y).square().sum().item<double>();
    count_ += batch.y.numel();
  }

  // An empty epoch has no error; -inf can never win "best".
  double value() const override {
    return count_ == 0 ? -std::numeric_limits<double>::infinity() : -squared_error_ / static_cast<double>(count_);
  }
  std::string name() const override { return "neg_mse"; }
  std::string format(double value) const override { return fmt::format("{:.6g}", value); }

 private:
  static void check(const torch::Tensor& output, const data::Batch& batch) {
    TORCH_CHECK(output.sizes() == batch.y.sizes(), "regression expects outputs shaped as the targets, got output ",
                output.sizes(), " and targets ", batch.y.sizes());
  }

  double squared_error_ = 0;
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Objective> make_objective(data::Task task) {
  switch (task) {
    case data::Task::Classification:
      return std::make_unique<Classification>();
    case data::Task::MultiLabel:
      TORCH_CHECK(false, "multi-label training (BCE with logits, macro AUROC) is not implemented yet");
    case data::Task::Density:
      TORCH_CHECK(false, "density training (discretized logistic mixture, bits/dim) is not implemented yet");
    case data::Task::Regression:
      return std::make_unique<Regression>();
  }
  TORCH_CHECK(false, "unknown task ", static_cast<int>(task));
}

}  // namespace longconv::train
