#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "data/array_dataset.h"
#include "support/helpers.h"

using longconv::data::ArrayDatasetOptions;
using longconv::data::ArraySet;
using longconv::data::make_array_splits;
using longconv::data::Splits;
using longconv::data::StoredArray;
using longconv::data::TargetKind;
using longconv::data::Task;
using longconv::test::error_of;

namespace {

ArraySet set_of(const torch::Tensor& x, const torch::Tensor& y, const torch::Tensor& lengths = {}) {
  ArraySet s{StoredArray::from_tensor("x", x), StoredArray::from_tensor("y", y), StoredArray()};
  if (lengths.defined()) s.lengths = StoredArray::from_tensor("lengths", lengths);
  return s;
}

Splits splits_of(const ArraySet& train, const ArrayDatasetOptions& o = {}) {
  return make_array_splits("test", train, std::nullopt, std::nullopt, o);
}

// Every example of a split stacked, in order.
torch::Tensor all_x(const longconv::data::Dataset& d) {
  std::vector<torch::Tensor> xs;
  for (int64_t i = 0; i < d.size(); ++i) xs.push_back(d.get(i, nullptr).x);
  return torch::stack(xs);
}

}  // namespace

TEST(ArrayDataset, ClassesWithHeldOutTestAndValidationSplits) {
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({20, 2, 8});
  const torch::Tensor y = torch::arange(20, torch::kInt64) % 4;
  ArrayDatasetOptions o;
  o.normalize = false;
  const Splits s = splits_of(set_of(x, y), o);
  EXPECT_EQ(s.info.task, Task::Classification);
  EXPECT_EQ(s.info.d_input, 2);
  EXPECT_EQ(s.info.d_output, 4);
  EXPECT_EQ(s.info.max_length, 8);
  EXPECT_EQ(s.info.spatial_shape, std::vector<int64_t>{8});
  EXPECT_EQ(s.info.n_tokens, 0);
  EXPECT_TRUE(s.info.channel_mean.empty());
  ASSERT_TRUE(s.val && s.test);
  EXPECT_EQ(s.train->size(), 16);
  EXPECT_EQ(s.val->size(), 2);
  EXPECT_EQ(s.test->size(), 2);
  // The three splits partition the examples; each example is the row it came from.
  std::set<int64_t> seen;
  for (const auto& d : {s.train, s.val, s.test})
    for (int64_t i = 0; i < d->size(); ++i) {
      const auto e = d->get(i, nullptr);
      int64_t row = -1;
      for (int64_t r = 0; r < 20; ++r)
        if (x[r].equal(e.x)) row = r;
      ASSERT_GE(row, 0);
      EXPECT_EQ(e.y.item<int64_t>(), y[row].item<int64_t>());
      EXPECT_EQ(e.y.dim(), 0);
      EXPECT_EQ(e.length, -1);
      EXPECT_TRUE(seen.insert(row).second);
    }
  EXPECT_EQ(seen.size(), 20u);
  // The same seed gives the same split, another seed another one.
  const Splits again = splits_of(set_of(x, y), o);
  EXPECT_TRUE(all_x(*again.test).equal(all_x(*s.test)));
  o.split.split_seed = 7;
  EXPECT_FALSE(all_x(*splits_of(set_of(x, y), o).test).equal(all_x(*s.test)));
}

TEST(ArrayDataset, GivenSplitsAreNotHeldOut) {
  const torch::Tensor x = torch::randn({10, 1, 4}), y = torch::zeros({10}, torch::kInt64);
  ArrayDatasetOptions o;
  o.split.val_split = 0;
  const Splits s = make_array_splits("test", set_of(x, y), std::nullopt, set_of(x.slice(0, 0, 3), y.slice(0, 0, 3)), o);
  EXPECT_EQ(s.train->size(), 10);
  EXPECT_EQ(s.test->size(), 3);
  EXPECT_EQ(s.val, nullptr);
  const Splits v =
      make_array_splits("test", set_of(x, y), set_of(x.slice(0, 0, 2), y.slice(0, 0, 2)), std::nullopt, {});
  EXPECT_EQ(v.train->size(), 9);
  EXPECT_EQ(v.val->size(), 2);
  EXPECT_EQ(v.test->size(), 1);
}

TEST(ArrayDataset, StandardisesEachChannelWithTrainingStatistics) {
  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({40, 3, 16}) * torch::tensor({1.0f, 5.0f, 0.1f}).view({1, 3, 1}) +
                          torch::tensor({10.0f, -2.0f, 0.0f}).view({1, 3, 1});
  const torch::Tensor y = torch::zeros({40}, torch::kInt64);
  const Splits s = splits_of(set_of(x, y));
  ASSERT_EQ(s.info.channel_mean.size(), 3u);
  // Statistics of the training rows only, population std.
  ArrayDatasetOptions raw;
  raw.normalize = false;
  const torch::Tensor train = all_x(*splits_of(set_of(x, y), raw).train).to(torch::kFloat64);
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(s.info.channel_mean[c], train.select(1, c).mean().item<double>(), 1e-5);
    EXPECT_NEAR(s.info.channel_std[c], train.select(1, c).std(/*unbiased=*/false).item<double>(), 1e-5);
  }
  const torch::Tensor normalised = all_x(*s.train);
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(normalised.select(1, c).mean().item<double>(), 0.0, 1e-5);
    EXPECT_NEAR(normalised.select(1, c).std(false).item<double>(), 1.0, 1e-4);
  }
  // Given statistics are used as they are (an evaluated run reuses the trained one's).
  ArrayDatasetOptions given;
  given.mean = {1.0, 2.0, 3.0};
  given.stddev = {2.0, 4.0, 0.5};
  const Splits g = splits_of(set_of(x, y), given);
  const auto e = g.test->get(0, nullptr);
  const auto r = splits_of(set_of(x, y), raw).test->get(0, nullptr);
  EXPECT_TRUE(e.x.allclose((r.x - torch::tensor({1.0f, 2.0f, 3.0f}).view({3, 1})) /
                           torch::tensor({2.0f, 4.0f, 0.5f}).view({3, 1})));
  EXPECT_EQ(g.info.channel_mean, given.mean);
  given.mean = {1.0};
  given.stddev = {1.0};
  EXPECT_NE(error_of([&] { splits_of(set_of(x, y), given); }).find("1 means and 1 stds for 3 input channels"),
            std::string::npos);
  given.stddev = {1.0, 2.0};
  EXPECT_NE(error_of([&] { splits_of(set_of(x, y), given); }).find("2 stds for 1 means: give both, or neither"),
            std::string::npos);
}

TEST(ArrayDataset, StatisticsMergeAcrossChunks) {
  // 300 rows of 64 KiB: the scans read 16 MiB at a time, so the statistics merge two chunks.
  torch::manual_seed(2);
  const torch::Tensor x = torch::randn({300, 1, 16384}, torch::kFloat64).add_(1000.0).to(torch::kFloat32);
  ArrayDatasetOptions o;
  o.split.val_split = 0;
  o.test_split = 0;
  const Splits s = make_array_splits("test", set_of(x, torch::zeros({300}, torch::kInt64)), std::nullopt,
                                     set_of(x.slice(0, 0, 1), torch::zeros({1}, torch::kInt64)), o);
  const torch::Tensor d = x.to(torch::kFloat64);
  EXPECT_NEAR(s.info.channel_mean[0], d.mean().item<double>(), 1e-9);
  EXPECT_NEAR(s.info.channel_std[0], d.std(false).item<double>(), 1e-9);
}

TEST(ArrayDataset, MissingValuesAndPaddingAreLeftOutAndZeroed) {
  torch::Tensor x = torch::tensor({{{1.0f, 2.0f, 3.0f, 100.0f}}, {{NAN, 5.0f, 100.0f, 100.0f}}});
  const torch::Tensor lengths = torch::tensor({3, 2}, torch::kInt64);
  const ArraySet set = set_of(x, torch::tensor({0, 1}, torch::kInt64), lengths);
  ArrayDatasetOptions o;
  o.split.val_split = 0;
  o.test_split = 0;
  const Splits s = make_array_splits("test", set, std::nullopt, set, o);
  // Valid values: 1, 2, 3, 5.
  EXPECT_NEAR(s.info.channel_mean[0], 11.0 / 4, 1e-6);
  EXPECT_NEAR(s.info.channel_std[0], std::sqrt((1 + 4 + 9 + 25) / 4.0 - 121.0 / 16), 1e-6);
  const auto e = s.train->get(1, nullptr);
  EXPECT_EQ(e.length, 2);
  EXPECT_EQ(e.x[0][0].item<float>(), 0.0f);  // NaN -> the training mean
  EXPECT_EQ(e.x[0][2].item<float>(), 0.0f);  // past the length
  EXPECT_EQ(e.x[0][3].item<float>(), 0.0f);
  const auto batch = s.train->collate({s.train->get(0, nullptr), e});
  EXPECT_TRUE(batch.lengths.equal(lengths));
}

TEST(ArrayDataset, Uint8IsScaledAndOtherLayoutsAreRead) {
  const torch::Tensor images = torch::randint(0, 256, {10, 3, 4, 5}, torch::kUInt8);
  ArrayDatasetOptions raw;
  raw.normalize = false;
  const Splits s = splits_of(set_of(images, torch::zeros({10}, torch::kInt64)), raw);
  EXPECT_EQ(s.info.spatial_shape, (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(s.info.d_input, 3);
  EXPECT_EQ(s.info.max_length, 20);
  const auto e = s.train->get(0, nullptr);
  EXPECT_EQ(e.x.scalar_type(), torch::kFloat32);
  // Some image equals its pixels / 255.
  bool found = false;
  for (int64_t i = 0; i < 10; ++i) found |= e.x.equal(images[i].to(torch::kFloat32) / 255.0f);
  EXPECT_TRUE(found);
  // [N, L] numbers are one channel; volumes have three spatial axes.
  EXPECT_EQ(splits_of(set_of(torch::randn({10, 7}), torch::zeros({10}, torch::kInt64))).info.d_input, 1);
  EXPECT_EQ(
      splits_of(set_of(torch::randn({10, 7}), torch::zeros({10}, torch::kInt64))).train->get(0, nullptr).x.sizes(),
      (std::vector<int64_t>{1, 7}));
  EXPECT_EQ(splits_of(set_of(torch::randn({10, 2, 3, 4, 5}), torch::zeros({10}, torch::kInt64))).info.spatial_shape,
            (std::vector<int64_t>{3, 4, 5}));
}

TEST(ArrayDataset, TokensCountTheirVocabulary) {
  const torch::Tensor tokens = torch::randint(0, 30, {10, 12}, torch::kInt32);
  tokens[3][4] = 41;
  const Splits s = splits_of(set_of(tokens, torch::zeros({10}, torch::kInt64), torch::full({10}, 12, torch::kInt64)));
  EXPECT_EQ(s.info.n_tokens, 42);
  EXPECT_EQ(s.info.d_input, 1);
  EXPECT_TRUE(s.info.channel_mean.empty());
  const auto e = s.train->get(0, nullptr);
  EXPECT_EQ(e.x.scalar_type(), torch::kInt64);
  EXPECT_EQ(e.x.sizes(), std::vector<int64_t>{12});
  tokens[5][0] = -1;
  EXPECT_NE(
      error_of([&] { splits_of(set_of(tokens, torch::zeros({10}, torch::kInt64))); }).find("x: row 5: negative token"),
      std::string::npos);
}

TEST(ArrayDataset, TargetsOfEveryObjective) {
  const torch::Tensor x = torch::randn({10, 2, 6});
  // [N, K] integers: multi-label.
  const torch::Tensor labels = torch::randint(0, 2, {10, 3}, torch::kInt64);
  Splits s = splits_of(set_of(x, labels));
  EXPECT_EQ(s.info.task, Task::MultiLabel);
  EXPECT_EQ(s.info.d_output, 3);
  EXPECT_EQ(s.train->get(0, nullptr).y.scalar_type(), torch::kFloat32);
  EXPECT_EQ(s.train->get(0, nullptr).y.sizes(), std::vector<int64_t>{3});
  // [N, L] integers with L the sequence length: one class per step.
  s = splits_of(set_of(x, torch::randint(0, 5, {10, 6}, torch::kInt64)));
  EXPECT_EQ(s.info.task, Task::Classification);
  EXPECT_EQ(s.train->get(0, nullptr).y.sizes(), std::vector<int64_t>{6});
  EXPECT_EQ(s.train->get(0, nullptr).y.scalar_type(), torch::kInt64);
  // ... unless told it is multi-label.
  ArrayDatasetOptions multi;
  multi.target = TargetKind::MultiLabel;
  EXPECT_EQ(splits_of(set_of(x, torch::randint(0, 2, {10, 6}, torch::kInt64)), multi).info.task, Task::MultiLabel);
  // Floats: regression, [N] as one output.
  s = splits_of(set_of(x, torch::randn({10})));
  EXPECT_EQ(s.info.task, Task::Regression);
  EXPECT_EQ(s.info.d_output, 1);
  EXPECT_EQ(s.train->get(0, nullptr).y.sizes(), std::vector<int64_t>{1});
  EXPECT_EQ(splits_of(set_of(x, torch::randn({10, 2}))).info.d_output, 2);
  // Float 0/1 multi-label targets need the target key.
  EXPECT_EQ(splits_of(set_of(x, torch::randint(0, 2, {10, 3}).to(torch::kFloat32)), multi).info.task, Task::MultiLabel);
}

TEST(ArrayDataset, RejectsTargetsThatDoNotFit) {
  const torch::Tensor x = torch::randn({10, 2, 6});
  torch::Tensor labels = torch::randint(0, 2, {10, 3}, torch::kInt64);
  labels[7][1] = 2;
  EXPECT_NE(error_of([&] { splits_of(set_of(x, labels)); }).find("y: row 7: multi-label targets must be 0 or 1"),
            std::string::npos);
  torch::Tensor classes = torch::zeros({10}, torch::kInt64);
  classes[4] = -1;
  EXPECT_NE(error_of([&] { splits_of(set_of(x, classes)); }).find("y: row 4: negative class label"), std::string::npos);
  torch::Tensor values = torch::randn({10});
  values[2] = std::numeric_limits<float>::infinity();
  EXPECT_NE(error_of([&] { splits_of(set_of(x, values)); }).find("y: row 2: regression target is not finite"),
            std::string::npos);
  ArrayDatasetOptions classes_kind;
  classes_kind.target = TargetKind::Classes;
  EXPECT_NE(error_of([&] {
              splits_of(set_of(x, torch::zeros({10, 3}, torch::kInt64)), classes_kind);
            }).find("classes need integer labels y [N]"),
            std::string::npos);
  ArrayDatasetOptions per_step;
  per_step.target = TargetKind::PerStep;
  EXPECT_NE(error_of([&] {
              splits_of(set_of(x, torch::zeros({10, 5}, torch::kInt64)), per_step);
            }).find("per-step labels need integer y [N, L]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { splits_of(set_of(x, torch::zeros({9}, torch::kInt64))); }).find("same first axis"),
            std::string::npos);
}

TEST(ArrayDataset, RejectsSetsThatDisagree) {
  const torch::Tensor y = torch::zeros({10}, torch::kInt64);
  const ArraySet train = set_of(torch::randn({10, 2, 6}), y);
  ArraySet other = set_of(torch::randn({10, 3, 6}), y);
  other.x = StoredArray::from_tensor("test.npz: x.npy", torch::randn({10, 3, 6}));
  EXPECT_NE(error_of([&] {
              make_array_splits("test", train, std::nullopt, other, {});
            }).find("test.npz: x.npy has shape [10, 3, 6]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              make_array_splits("test", train, std::nullopt,
                                set_of(torch::randn({10, 2, 6}), y, torch::ones({10}, torch::kInt64)), {});
            }).find("the test set has lengths but the training set does not"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              splits_of(set_of(torch::randn({10, 2, 6}), y, torch::full({10}, 7, torch::kInt64)));
            }).find("lengths: row 0: length outside [1, 6]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              splits_of(set_of(torch::randn({10, 2, 3, 3}), y, torch::ones({10}, torch::kInt64)));
            }).find("lengths are for sequences"),
            std::string::npos);
  EXPECT_NE(error_of([&] { splits_of(set_of(torch::randn({10}), y)); }).find("x has shape [10]"), std::string::npos);
}

TEST(ArrayDataset, RejectsSplitsThatLeaveNothing) {
  const ArraySet set = set_of(torch::randn({4, 1, 3}), torch::zeros({4}, torch::kInt64));
  ArrayDatasetOptions o;
  o.test_split = 0;
  EXPECT_NE(error_of([&] { splits_of(set, o); }).find("no test set and test_split 0"), std::string::npos);
  o.test_split = 0.5;
  o.split.val_split = 0.5;
  EXPECT_NE(error_of([&] { splits_of(set, o); }).find("leave no training example"), std::string::npos);
  o.split.val_split = 1.5;
  EXPECT_NE(error_of([&] { splits_of(set, o); }).find("SplitOptions::val_split: expected in [0, 1), got 1.5"),
            std::string::npos);
}
