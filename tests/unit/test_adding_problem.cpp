#include <gtest/gtest.h>

#include "data/datasets/adding_problem.h"

using namespace longconv;

TEST(AddingProblem, TargetIsTheSumOfTheTwoMarkedValues) {
  data::AddingProblemOptions o;
  o.seq_length = 50;
  o.sizes.train_size = 200;
  o.sizes.test_size = 10;
  o.sizes.seed = 5;
  const auto splits = data::make_adding_problem_splits(o);
  EXPECT_EQ(splits.info.task, data::Task::Regression);
  EXPECT_EQ(splits.info.d_input, 2);
  EXPECT_EQ(splits.info.spatial_shape, (std::vector<int64_t>{50}));
  double target_sum = 0;
  for (int64_t i = 0; i < splits.train->size(); ++i) {
    const auto e = splits.train->get(i, nullptr);
    ASSERT_EQ(e.x.sizes(), (std::vector<int64_t>{2, 50}));
    ASSERT_EQ(e.y.sizes(), (std::vector<int64_t>{1}));
    EXPECT_EQ(e.x[1].sum().item<float>(), 2.0f);
    EXPECT_TRUE(e.x[1].eq(0).logical_or(e.x[1].eq(1)).all().item<bool>());
    EXPECT_GE(e.x[0].min().item<float>(), 0.0f);
    EXPECT_LT(e.x[0].max().item<float>(), 1.0f);
    EXPECT_FLOAT_EQ(e.y.item<float>(), (e.x[0] * e.x[1]).sum().item<float>());
    target_sum += e.y.item<double>();
  }
  // The sum of two uniform values has mean 1 (std 0.41; over 180 examples the mean's std is 0.03).
  EXPECT_NEAR(target_sum / static_cast<double>(splits.train->size()), 1.0, 0.12);
  const auto again = data::make_adding_problem_splits(o);
  EXPECT_TRUE(torch::equal(again.test->get(3, nullptr).x, splits.test->get(3, nullptr).x));
  o.seq_length = 1;
  EXPECT_THROW(data::make_adding_problem_splits(o), std::invalid_argument);
}
