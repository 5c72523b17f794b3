#include "train/objective.h"

#include <fmt/format.h>

#include "train/auroc.h"

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
    total_ += batch.y.size(0);
  }

  // An empty epoch has no accuracy; 0 keeps the log numeric and can never win "best".
  double value() const override { return total_ == 0 ? 0.0 : 100.0 * static_cast<double>(correct_) / total_; }
  std::string name() const override { return "accuracy"; }
  std::string format(double value) const override { return fmt::format("{:.2f}%", value); }

 private:
  static void check(const torch::Tensor& output, const data::Batch& batch) {
    TORCH_CHECK(output.dim() == 2 && batch.y.dim() == 1 && output.size(0) == batch.y.size(0),
                "classification expects logits [B, classes] and labels [B], got output ", output.sizes(),
                " and labels ", batch.y.sizes());
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

  void add(const torch::Tensor& output, const data::Batch& batch) override {
    check(output, batch);
    scores_.push_back(output.detach().to(torch::kCPU, torch::kFloat32));
    targets_.push_back(batch.y.to(torch::kCPU, torch::kFloat32));
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

}  // namespace

std::unique_ptr<Objective> make_objective(data::Task task) {
  switch (task) {
    case data::Task::Classification:
      return std::make_unique<Classification>();
    case data::Task::MultiLabel:
      return std::make_unique<MultiLabel>();
    case data::Task::Density:
      TORCH_CHECK(false, "density training (discretized logistic mixture, bits/dim) is not implemented yet");
  }
  TORCH_CHECK(false, "unknown task ", static_cast<int>(task));
}

}  // namespace longconv::train
