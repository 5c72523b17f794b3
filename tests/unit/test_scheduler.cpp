#include <gtest/gtest.h>

#include <cmath>

#include "train/scheduler.h"
#include "util/option_check.h"

using longconv::train::LrSchedule;
using longconv::train::ScheduleOptions;

namespace {

// Warmup in steps: the schedules below have one step per epoch.
ScheduleOptions cosine(double warmup_steps) {
  ScheduleOptions o;
  o.warmup_epochs = warmup_steps;
  return o;
}

// Base lr 0.01 over 100 steps.
LrSchedule schedule(const ScheduleOptions& o) { return LrSchedule(o, 0.01, 100, 1); }

}  // namespace

TEST(Scheduler, CosineWithoutWarmupIsCosineAnnealing) {
  const LrSchedule s = schedule(cosine(0));
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.01);
  EXPECT_DOUBLE_EQ(s.lr_at(50), 0.005);
  EXPECT_NEAR(s.lr_at(25), 0.01 * 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-15);
  EXPECT_NEAR(s.lr_at(100), 0.0, 1e-18);
}

TEST(Scheduler, CosineWithWarmupRisesLinearlyFromZero) {
  const LrSchedule s = schedule(cosine(10));
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.lr_at(5), 0.005);
  EXPECT_DOUBLE_EQ(s.lr_at(10), 0.01);
  EXPECT_DOUBLE_EQ(s.lr_at(55), 0.005);  // halfway through the 90 cosine steps
  EXPECT_NEAR(s.lr_at(100), 0.0, 1e-18);
}

TEST(Scheduler, FractionalWarmupEpochs) {
  const LrSchedule s = schedule(cosine(2.5));
  EXPECT_DOUBLE_EQ(s.lr_at(1), 0.01 * 1 / 2.5);
  EXPECT_DOUBLE_EQ(s.lr_at(2), 0.01 * 2 / 2.5);
  EXPECT_NEAR(s.lr_at(3), 0.01 * 0.5 * (1 + std::cos(M_PI * 0.5 / 97.5)), 1e-15);
}

TEST(Scheduler, Constant) {
  ScheduleOptions o = cosine(4);
  o.name = longconv::train::ScheduleName::Constant;
  const LrSchedule s = schedule(o);
  EXPECT_DOUBLE_EQ(s.lr_at(2), 0.005);
  EXPECT_DOUBLE_EQ(s.lr_at(4), 0.01);
  EXPECT_DOUBLE_EQ(s.lr_at(99), 0.01);
}

TEST(Scheduler, StepsAndAppliesToEveryParamGroup) {
  LrSchedule s = schedule(cosine(10));
  auto a = torch::zeros({2}, torch::requires_grad());
  auto b = torch::zeros({3}, torch::requires_grad());
  torch::optim::AdamW optimizer({torch::optim::OptimizerParamGroup({a}), torch::optim::OptimizerParamGroup({b})},
                                torch::optim::AdamWOptions(1.0));
  for (int i = 0; i < 3; ++i) s.step();
  EXPECT_EQ(s.step_count(), 3);
  s.apply(optimizer);
  for (auto& group : optimizer.param_groups()) EXPECT_DOUBLE_EQ(group.options().get_lr(), 0.003);
}

TEST(Scheduler, SaveLoadKeepsTheStep) {
  LrSchedule s = schedule(cosine(0));
  for (int i = 0; i < 7; ++i) s.step();
  torch::serialize::OutputArchive out;
  s.save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  std::istringstream stream(bytes.str());
  in.load_from(stream);
  LrSchedule t = schedule(cosine(0));
  t.load(in);
  EXPECT_EQ(t.step_count(), 7);
  EXPECT_DOUBLE_EQ(t.lr(), s.lr());
}

TEST(Scheduler, RejectsNegativeWarmup) {
  ScheduleOptions o = cosine(-1);
  EXPECT_THROW(schedule(o), longconv::OptionError);
}
