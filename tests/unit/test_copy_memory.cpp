#include <gtest/gtest.h>

#include "data/datasets/copy_memory.h"

using namespace longconv;

TEST(CopyMemory, SequencesFollowTheDefinition) {
  data::CopyMemoryOptions o;
  o.memory_size = 30;
  o.copy_length = 5;
  o.sizes.train_size = 20;
  o.sizes.test_size = 4;
  o.sizes.seed = 1;
  const auto splits = data::make_copy_memory_splits(o);
  const int64_t T = 30, K = 5, L = T + 2 * K;
  EXPECT_EQ(splits.info.spatial_shape, (std::vector<int64_t>{L}));
  EXPECT_EQ(splits.info.d_output, 10);
  EXPECT_EQ(splits.train->size() + splits.val->size(), 20);
  for (int64_t i = 0; i < splits.test->size(); ++i) {
    const auto e = splits.test->get(i, nullptr);
    ASSERT_EQ(e.x.sizes(), (std::vector<int64_t>{1, L}));
    ASSERT_EQ(e.y.sizes(), (std::vector<int64_t>{L}));
    const auto x = e.x[0];
    for (int64_t t = 0; t < L; ++t) {
      const float v = x[t].item<float>();
      const int64_t target = e.y[t].item<int64_t>();
      if (t < K) {
        EXPECT_TRUE(v >= 1 && v <= 8) << t;
        EXPECT_EQ(e.y[T + K + t].item<int64_t>(), static_cast<int64_t>(v));
      } else if (t < T + K - 1) {
        EXPECT_EQ(v, 0) << t;
      } else {
        EXPECT_EQ(v, 9) << t;
      }
      if (t < T + K) {
        EXPECT_EQ(target, 0) << t;
      }
    }
  }
  // Seeded: a second build gives the same examples, the train set others.
  const auto again = data::make_copy_memory_splits(o);
  EXPECT_TRUE(torch::equal(again.test->get(2, nullptr).x, splits.test->get(2, nullptr).x));
  EXPECT_FALSE(torch::equal(splits.train->get(2, nullptr).x, splits.test->get(2, nullptr).x));
  o.memory_size = 0;
  EXPECT_THROW(data::make_copy_memory_splits(o), std::invalid_argument);
}
