#include <gtest/gtest.h>

#include "train/objective.h"

using longconv::data::Batch;
using longconv::data::Task;
using longconv::train::make_objective;

TEST(Objective, ClassificationLossIsCrossEntropy) {
  auto objective = make_objective(Task::Classification);
  const auto logits = torch::tensor({{2.0, 0.0}, {0.0, 1.0}});
  Batch batch{torch::zeros({2, 1}), torch::tensor({0, 0}, torch::kInt64), {}};
  const double expected = (std::log(1 + std::exp(-2.0)) + std::log(1 + std::exp(1.0))) / 2;
  EXPECT_NEAR(objective->loss(logits, batch).item<double>(), expected, 1e-6);
}

TEST(Objective, AccuracyAccumulatesOverBatches) {
  auto objective = make_objective(Task::Classification);
  EXPECT_EQ(objective->name(), "accuracy");
  objective->reset();
  Batch first{torch::zeros({3, 1}), torch::tensor({0, 1, 2}, torch::kInt64), {}};
  objective->add(torch::tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {1.0, 0.0, 0.0}}), first);  // 2 of 3
  Batch second{torch::zeros({1, 1}), torch::tensor({2}, torch::kInt64), {}};
  objective->add(torch::tensor({{0.0, 0.0, 1.0}}), second);  // 1 of 1
  EXPECT_DOUBLE_EQ(objective->value(), 75.0);
  EXPECT_EQ(objective->format(87.123), "87.12%");
  objective->reset();
  EXPECT_DOUBLE_EQ(objective->value(), 0.0);
}

TEST(Objective, ClassificationRejectsMismatchedShapes) {
  auto objective = make_objective(Task::Classification);
  Batch batch{torch::zeros({2, 1}), torch::tensor({0, 1}, torch::kInt64), {}};
  EXPECT_THROW(objective->loss(torch::zeros({3, 4}), batch), c10::Error);
}

TEST(Objective, UnimplementedTasksSaySo) {
  try {
    make_objective(Task::MultiLabel);
    FAIL() << "no error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("not implemented"), std::string::npos);
  }
  EXPECT_THROW(make_objective(Task::Density), c10::Error);
}

TEST(Objective, PerStepClassificationCountsEveryStep) {
  auto objective = make_objective(Task::Classification);
  // Logits [B=1, classes=2, L=3]; labels [1, 3]; steps 0 and 2 right.
  const auto logits = torch::tensor({{{2.0, 0.0, 1.0}, {0.0, 1.0, 0.0}}});
  Batch batch{torch::zeros({1, 1, 3}), torch::tensor({{0, 0, 0}}, torch::kInt64), {}};
  objective->reset();
  objective->add(logits, batch);
  EXPECT_NEAR(objective->value(), 200.0 / 3.0, 1e-9);
  const double expected =
      (std::log(1 + std::exp(-2.0)) + std::log(1 + std::exp(1.0)) + std::log(1 + std::exp(-1.0))) / 3;
  EXPECT_NEAR(objective->loss(logits, batch).item<double>(), expected, 1e-6);
  Batch short_labels{torch::zeros({1, 1, 2}), torch::tensor({{0, 0}}, torch::kInt64), {}};
  EXPECT_THROW(objective->loss(logits, short_labels), c10::Error);
}

TEST(Objective, RegressionIsMeanSquaredErrorWithNegatedMetric) {
  auto objective = make_objective(Task::Regression);
  EXPECT_EQ(objective->name(), "neg_mse");
  Batch batch{torch::zeros({2, 1}), torch::tensor({{1.0f}, {2.0f}}), {}};
  const auto output = torch::tensor({{1.5f}, {1.0f}});
  EXPECT_NEAR(objective->loss(output, batch).item<double>(), (0.25 + 1.0) / 2, 1e-6);
  objective->reset();
  objective->add(output, batch);
  objective->add(torch::tensor({{1.0f}, {2.0f}}), batch);  // exact
  EXPECT_NEAR(objective->value(), -(0.25 + 1.0) / 4, 1e-9);
  EXPECT_THROW(objective->loss(torch::zeros({2}), batch), c10::Error);
}
