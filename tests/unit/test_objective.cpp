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

// One grey pixel x = 0 under a single logistic (mean 0, log-scale s): probability of its bin of width 2/255.
TEST(Objective, DensityIsMixtureNllAndBitsPerDim) {
  auto objective = make_objective(Task::Density);
  EXPECT_EQ(objective->name(), "bits_per_dim");
  EXPECT_FALSE(objective->higher_is_better());
  const double s = -3.0;
  auto sigmoid = [](double v) { return 1.0 / (1.0 + std::exp(-v)); };
  const double p = sigmoid(std::exp(-s) / 255.0) - sigmoid(-std::exp(-s) / 255.0);
  // B = 2 sequences of L = 3 positions; params [B, 3 * nr_mix, L] = (logit, mean, log-scale).
  auto params = torch::zeros({2, 3, 3}, torch::kFloat64);
  params.select(1, 2).fill_(s);
  Batch batch{torch::zeros({2, 1, 3}, torch::kFloat64), torch::zeros({2}, torch::kInt64), {}};
  EXPECT_NEAR(objective->loss(params, batch).item<double>(), -3 * std::log(p), 1e-9);  // per sequence
  objective->reset();
  objective->add(params, batch);
  EXPECT_NEAR(objective->value(), -std::log(p) / std::log(2.0), 1e-9);
  EXPECT_EQ(objective->format(3.14159), "3.1416");
}

TEST(Objective, MultiLabelLossIsMeanBinaryCrossEntropy) {
  auto objective = make_objective(Task::MultiLabel);
  const auto logits = torch::tensor({{2.0, -1.0}, {0.0, 3.0}});
  Batch batch{torch::zeros({2, 1}), torch::tensor({{1.0, 0.0}, {0.0, 0.0}}), {}};
  const auto softplus = [](double z) { return std::log(1 + std::exp(z)); };  // -log(sigmoid(-z))
  const double expected = (softplus(-2.0) + softplus(-1.0) + softplus(0.0) + softplus(3.0)) / 4;
  EXPECT_NEAR(objective->loss(logits, batch).item<double>(), expected, 1e-6);
  EXPECT_THROW(objective->loss(torch::zeros({2, 3}), batch), c10::Error);
}

TEST(Objective, MultiLabelMacroAurocOverTheEpoch) {
  auto objective = make_objective(Task::MultiLabel);
  EXPECT_EQ(objective->name(), "auroc");
  objective->reset();
  // Label 0 over both batches: scores [0.1, 0.4 | 0.35, 0.8], targets [0, 0 | 1, 1] -> 0.75; label 1 all negative
  // (left out).
  Batch first{torch::zeros({2, 1}), torch::tensor({{0.0, 0.0}, {0.0, 0.0}}), {}};
  objective->add(torch::tensor({{0.1, 5.0}, {0.4, 1.0}}), first);
  Batch second{torch::zeros({2, 1}), torch::tensor({{1.0, 0.0}, {1.0, 0.0}}), {}};
  objective->add(torch::tensor({{0.35, 2.0}, {0.8, 0.0}}), second);
  EXPECT_NEAR(objective->value(), 0.75, 1e-7);
  EXPECT_EQ(objective->format(0.91234), "0.9123");
  objective->reset();
  EXPECT_DOUBLE_EQ(objective->value(), 0.0);
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
