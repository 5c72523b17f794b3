#include "train/scheduler.h"

#include <algorithm>
#include <cmath>

#include "util/option_check.h"

namespace longconv::train {

const EnumNames<ScheduleName> kScheduleNames = {{"cosine", ScheduleName::Cosine}, {"constant", ScheduleName::Constant}};

void validate(const ScheduleOptions& o) {
  check_option(o.warmup_epochs, at_least(0), "ScheduleOptions::warmup_epochs");
}

LrSchedule::LrSchedule(ScheduleOptions options, double base_lr, int64_t total_steps, int64_t steps_per_epoch)
    : options_(std::move(options)),
      base_lr_(base_lr),
      total_steps_(total_steps),
      warmup_steps_(options_.warmup_epochs * static_cast<double>(steps_per_epoch)) {
  validate(options_);
  TORCH_CHECK(base_lr_ >= 0, "LrSchedule: base lr must be >= 0, got ", base_lr_);
  TORCH_CHECK(total_steps_ >= 1, "LrSchedule: total steps must be >= 1, got ", total_steps_);
  TORCH_CHECK(steps_per_epoch >= 1, "LrSchedule: steps per epoch must be >= 1, got ", steps_per_epoch);
}

double LrSchedule::lr_at(int64_t step) const {
  const double s = static_cast<double>(step);
  const double warmup = warmup_steps_;
  if (s < warmup) return base_lr_ * s / std::max(1.0, warmup);
  if (options_.name == ScheduleName::Constant) return base_lr_;
  const double progress = (s - warmup) / std::max(1.0, static_cast<double>(total_steps_) - warmup);
  return base_lr_ * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
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
