#include "train/scheduler.h"

#include <algorithm>
#include <cmath>

namespace longconv::train {

LrSchedule::LrSchedule(ScheduleOptions options) : options_(std::move(options)) {
  TORCH_CHECK(options_.name == "cosine" || options_.name == "constant",
              "scheduler.name: expected cosine or constant, got '", options_.name, "'");
  TORCH_CHECK(options_.base_lr >= 0, "optimizer.lr must be >= 0, got ", options_.base_lr);
  TORCH_CHECK(options_.total_steps >= 1, "schedule total steps must be >= 1, got ", options_.total_steps);
  TORCH_CHECK(options_.warmup_steps >= 0, "schedule warmup steps must be >= 0, got ", options_.warmup_steps);
}

double LrSchedule::lr_at(int64_t step) const {
  const double s = static_cast<double>(step);
  const double warmup = options_.warmup_steps;
  if (s < warmup) return options_.base_lr * s / std::max(1.0, warmup);
  if (options_.name == "constant") return options_.base_lr;
  const double progress = (s - warmup) / std::max(1.0, static_cast<double>(options_.total_steps) - warmup);
  return options_.base_lr * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
}

void LrSchedule::apply(torch::optim::Optimizer& optimizer, const std::vector<double>& lr_ratios) const {
  auto& groups = optimizer.param_groups();
  TORCH_CHECK(lr_ratios.empty() || lr_ratios.size() == groups.size(), "LrSchedule::apply: ", lr_ratios.size(),
              " lr ratios for ", groups.size(), " param groups");
  for (size_t i = 0; i < groups.size(); ++i)
    groups[i].options().set_lr(lr() * (lr_ratios.empty() ? 1.0 : lr_ratios[i]));
}

void LrSchedule::save(torch::serialize::OutputArchive& archive) const { archive.write("step", c10::IValue(step_)); }

void LrSchedule::load(torch::serialize::InputArchive& archive) {
  c10::IValue step;
  archive.read("step", step);
  TORCH_CHECK(step.isInt() && step.toInt() >= 0, "scheduler state: 'step' is not a non-negative integer");
  step_ = step.toInt();
}

}  // namespace longconv::train
