// Learning-rate schedule stepped once per optimizer step (per batch), as the reference's LambdaLR / CosineAnnealingLR.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace longconv::train {

struct ScheduleOptions {
  std::string name = "cosine";  // cosine | constant
  double base_lr = 1e-2;
  int64_t total_steps = 1;  // epochs * iters_per_epoch
  double warmup_steps = 0;  // warmup_epochs * iters_per_epoch; fractional epochs give fractional steps
};

// The lr of optimizer step k (0-based) is lr_at(k): with warmup, linear from 0 over `warmup_steps`; then
// cosine: half-cosine from base_lr to 0 at `total_steps` (HF get_cosine_schedule_with_warmup; with no warmup it is
// CosineAnnealingLR(T_max = total_steps, eta_min = 0)), constant: base_lr.
class LrSchedule {
 public:
  explicit LrSchedule(ScheduleOptions options);

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
  int64_t step_ = 0;
};

}  // namespace longconv::train
