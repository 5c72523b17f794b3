// Learning-rate schedule stepped once per optimizer step (per batch), as the reference's LambdaLR / CosineAnnealingLR.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "util/enum_names.h"

namespace longconv::train {

enum class ScheduleName { Cosine, Constant };
extern const EnumNames<ScheduleName> kScheduleNames;  // cosine, constant

struct ScheduleOptions {
  ScheduleName name = ScheduleName::Cosine;
  double warmup_epochs = 0;  // fractional epochs give fractional steps
};
void validate(const ScheduleOptions& options);  // warmup_epochs >= 0

// The lr of optimizer step k (0-based) is lr_at(k): with warmup, linear from 0 over warmup_epochs * steps_per_epoch
// steps; then cosine: half-cosine from base_lr to 0 at `total_steps` (HF get_cosine_schedule_with_warmup; with no
// warmup it is CosineAnnealingLR(T_max = total_steps, eta_min = 0)), constant: base_lr.
class LrSchedule {
 public:
  LrSchedule(ScheduleOptions options, double base_lr, int64_t total_steps, int64_t steps_per_epoch);

  double lr_at(int64_t step) const;
  double lr() const { return lr_at(step_); }  // lr for the next optimizer step
  void step() { ++step_; }
  int64_t step_count() const { return step_; }

  // Sets `lr` on every param group of `optimizer`, times lr_ratios[i] for group i when given.
  void apply(torch::optim::Optimizer& optimizer, const std::vector<double>& lr_ratios = {}) const;

  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

  const ScheduleOptions& options() const { return options_; }

 private:
  ScheduleOptions options_;
  double base_lr_;
  int64_t total_steps_;
  double warmup_steps_;
  int64_t step_ = 0;
};

}  // namespace longconv::train
