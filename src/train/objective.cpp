#include "train/objective.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nn/multires/discretized_mix_logistic.h"
#include "train/auroc.h"

namespace longconv::train {

const EnumNames<data::Task> kTaskNames = {{"classification", data::Task::Classification},
                                          {"multi_label", data::Task::MultiLabel},
                                          {"density", data::Task::Density},
                                          {"regression", data::Task::Regression}};
namespace {

class Classification : public Objective {
 public:
  torch::Tensor loss(const torch::Tensor& output, const data::Batch& batch) const override {
    check(output, batch);
    return torch::nn::functional::cross_entropy(output, batch.y);
  }

  void reset() override { correct_ = total_ = 0; }
  std::vector<torch::Tensor> state() const override { return {torch::tensor({correct_, total_})}; }
  void restore(const std::vector<torch::Tensor>& state) override {
    correct_ = state.at(0)[0].item<int64_t>();
    total_ = state.at(0)[1].item<int64_t>();
  }

  void add(const torch::Tensor& output, const data::Batch& batch) override {
    check(output, batch);
    correct_ += output.argmax(1).eq(batch.y).sum().item<int64_t>();
    total_ += batch.y.numel();
  }

  void reduce(const ShardReduce& ranks) override {
    const auto t =
        ranks.sum(torch::tensor({static_cast<double>(correct_), static_cast<double>(total_)}, torch::kFloat64));
    correct_ = static_cast<int64_t>(t[0].item<double>());
    total_ = static_cast<int64_t>(t[1].item<double>());
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
                "output ",
                output.sizes(), " and labels ", batch.y.sizes());
  }

  int64_t correct_ = 0;
  int64_t total_ = 0;
};

// Multi-label (PTB-XL): BCE with logits per label, macro AUROC over the epoch as the reference's roc_auc_score.
class MultiLabel : public Objective {
 public:
  torch::Tensor loss(const torch::Tensor& output, const data::Batch& batch) const override {
    check(output, batch);
    return torch::nn::functional::binary_cross_entropy_with_logits(output, batch.y);
  }

  void reset() override {
    scores_.clear();
    targets_.clear();
  }
  std::vector<torch::Tensor> state() const override {
    if (scores_.empty()) return {};
    return {torch::cat(scores_), torch::cat(targets_)};
  }
  void restore(const std::vector<torch::Tensor>& state) override {
    reset();
    if (state.empty()) return;
    scores_.push_back(state.at(0));
    targets_.push_back(state.at(1));
  }

  void add(const torch::Tensor& output, const data::Batch& batch) override {
    check(output, batch);
    scores_.push_back(output.detach().to(torch::kCPU, torch::kFloat32));
    targets_.push_back(batch.y.to(torch::kCPU, torch::kFloat32));
  }

  void reduce(const ShardReduce& ranks) override {
    const int64_t labels = scores_.empty() ? 0 : scores_.front().size(1);
    // A rank that saw no example does not know the label count; the ranks that did agree on it.
    const auto seen = ranks.sum(torch::tensor({static_cast<double>(labels), labels > 0 ? 1.0 : 0.0}, torch::kFloat64));
    if (seen[1].item<double>() == 0) return;
    const auto width = static_cast<int64_t>(seen[0].item<double>() / seen[1].item<double>());
    const auto rows = [&](const std::vector<torch::Tensor>& parts) {
      return ranks.gather(parts.empty() ? torch::empty({0}, torch::kFloat32) : torch::cat(parts).reshape({-1}))
          .reshape({-1, width});
    };
    scores_ = {rows(scores_)};
    targets_ = {rows(targets_)};
  }

  // An epoch without both classes in any label has no AUROC; 0 keeps the log numeric and can never win "best".
  double value() const override {
    if (scores_.empty()) return 0.0;
    return macro_auroc(torch::cat(scores_), torch::cat(targets_)).value_or(0.0);
  }
  std::string name() const override { return "auroc"; }
  std::string format(double value) const override { return fmt::format("{:.4f}", value); }

 private:
  static void check(const torch::Tensor& output, const data::Batch& batch) {
    TORCH_CHECK(output.dim() == 2 && output.sizes() == batch.y.sizes(),
                "multi-label expects logits [B, labels] and targets of the same shape, got output ", output.sizes(),
                " and targets ", batch.y.sizes());
  }

  std::vector<torch::Tensor> scores_, targets_;
};

// Density (autoregressive.py): outputs are mixture parameters [B, P, L] for pixels x [B, C, L] in [-1, 1]. The
// reference optimizes the batch's summed negative log-likelihood; here its mean over the batch, as every objective
// (Adam is invariant to the scale). Bits per dimension = summed NLL / (pixels * channels * ln 2).
class Density : public Objective {
 public:
  torch::Tensor loss(const torch::Tensor& output, const data::Batch& batch) const override {
    return nn::discretized_mix_logistic_loss(batch.x, output) / static_cast<double>(batch.size());
  }

  void reset() override { nll_ = 0, dims_ = 0; }
  std::vector<torch::Tensor> state() const override {
    return {torch::tensor({nll_}, torch::kFloat64), torch::tensor({dims_})};
  }
  void restore(const std::vector<torch::Tensor>& state) override {
    nll_ = state.at(0)[0].item<double>();
    dims_ = state.at(1)[0].item<int64_t>();
  }

  void add(const torch::Tensor& output, const data::Batch& batch) override {
    nll_ += nn::discretized_mix_logistic_loss(batch.x, output).item<double>();
    dims_ += batch.x.numel();
  }

  void reduce(const ShardReduce& ranks) override {
    const auto t = ranks.sum(torch::tensor({nll_, static_cast<double>(dims_)}, torch::kFloat64));
    nll_ = t[0].item<double>();
    dims_ = static_cast<int64_t>(t[1].item<double>());
  }

  // An empty epoch has no likelihood; +inf keeps the log numeric and can never win "best".
  double value() const override {
    return dims_ == 0 ? std::numeric_limits<double>::infinity() : nll_ / (static_cast<double>(dims_) * std::log(2.0));
  }
  std::string name() const override { return "bits_per_dim"; }
  std::string format(double value) const override { return fmt::format("{:.4f}", value); }
  bool higher_is_better() const override { return false; }

 private:
  double nll_ = 0;
  int64_t dims_ = 0;
};

// Mean squared error; the metric is its negation, so that higher is better as for every metric.
class Regression : public Objective {
 public:
  torch::Tensor loss(const torch::Tensor& output, const data::Batch& batch) const override {
    check(output, batch);
    return torch::mse_loss(output, batch.y);
  }

  void reset() override { squared_error_ = 0, count_ = 0; }
  std::vector<torch::Tensor> state() const override {
    return {torch::tensor({squared_error_}, torch::kFloat64), torch::tensor({count_})};
  }
  void restore(const std::vector<torch::Tensor>& state) override {
    squared_error_ = state.at(0)[0].item<double>();
    count_ = state.at(1)[0].item<int64_t>();
  }

  void add(const torch::Tensor& output, const data::Batch& batch) override {
    check(output, batch);
    squared_error_ += (output - batch.y).square().sum().item<double>();
    count_ += batch.y.numel();
  }

  void reduce(const ShardReduce& ranks) override {
    const auto t = ranks.sum(torch::tensor({squared_error_, static_cast<double>(count_)}, torch::kFloat64));
    squared_error_ = t[0].item<double>();
    count_ = static_cast<int64_t>(t[1].item<double>());
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
      return std::make_unique<MultiLabel>();
    case data::Task::Density:
      return std::make_unique<Density>();
    case data::Task::Regression:
      return std::make_unique<Regression>();
  }
  TORCH_CHECK(false, "unknown task ", static_cast<int>(task));
}

}  // namespace longconv::train
