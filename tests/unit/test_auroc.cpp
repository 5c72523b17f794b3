#include <gtest/gtest.h>

#include "train/auroc.h"

using longconv::train::auroc;
using longconv::train::macro_auroc;

namespace {
torch::Tensor t(std::vector<double> v) { return torch::tensor(v, torch::kFloat64); }
}  // namespace

TEST(Auroc, PerfectReversedAndChance) {
  EXPECT_DOUBLE_EQ(*auroc(t({0.1, 0.4, 0.35, 0.8}), t({0, 1, 0, 1})), 1.0);
  EXPECT_DOUBLE_EQ(*auroc(t({0.9, 0.1, 0.8, 0.2}), t({0, 1, 0, 1})), 0.0);
  EXPECT_DOUBLE_EQ(*auroc(t({0.5, 0.5, 0.5, 0.5}), t({0, 1, 0, 1})), 0.5);
}

TEST(Auroc, HandComputedWithTies) {
  // sklearn's documented example: scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1] -> 0.75
  // (pairs positive > negative: 0.35>0.1, 0.8>0.1, 0.8>0.4; 0.35<0.4: 3 of 4).
  EXPECT_DOUBLE_EQ(*auroc(t({0.1, 0.4, 0.35, 0.8}), t({0, 0, 1, 1})), 0.75);
  // Positives {2, 1}, negatives {1, 0, 3}: pairs (2>1, 2>0, 2<3, 1=1 -> 1/2, 1>0, 1<3) = 3.5 of 6.
  EXPECT_DOUBLE_EQ(*auroc(t({2, 1, 1, 0, 3}), t({1, 1, 0, 0, 0})), 3.5 / 6);
}

TEST(Auroc, SingleClassHasNone) {
  EXPECT_FALSE(auroc(t({0.1, 0.2}), t({1, 1})).has_value());
  EXPECT_FALSE(auroc(t({0.1, 0.2}), t({0, 0})).has_value());
  EXPECT_THROW(auroc(t({0.1, 0.2}), t({0, 2})), c10::Error);
  EXPECT_THROW(auroc(t({0.1, 0.2}), t({0})), c10::Error);
}

TEST(Auroc, MacroAveragesLabelsWithBothClasses) {
  // Label 0: 0.75 (above); label 1: 1.0; label 2: all positive -> left out.
  const auto scores = torch::stack({t({0.1, 0.4, 0.35, 0.8}), t({0.0, 0.0, 1.0, 1.0}), t({1, 2, 3, 4})}, 1);
  const auto targets = torch::stack({t({0, 0, 1, 1}), t({0, 0, 1, 1}), t({1, 1, 1, 1})}, 1);
  EXPECT_DOUBLE_EQ(*macro_auroc(scores, targets), (0.75 + 1.0) / 2);
  EXPECT_FALSE(macro_auroc(scores.slice(1, 2), targets.slice(1, 2)).has_value());
  EXPECT_THROW(macro_auroc(scores, targets.slice(1, 1)), c10::Error);
}
