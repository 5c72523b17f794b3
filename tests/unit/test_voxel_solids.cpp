#include <gtest/gtest.h>

#include <cmath>

#include "data/datasets/voxel_solids.h"

using namespace longconv;

namespace {

data::VoxelSolidsOptions small_options(uint64_t seed = 3) {
  data::VoxelSolidsOptions o;
  o.resolution = 12;
  o.sizes.train_size = 60;
  o.sizes.test_size = 12;
  o.sizes.seed = seed;
  o.sizes.split.val_split = 0.25;
  return o;
}

}  // namespace

TEST(VoxelSolids, ShapesLabelsAndInfo) {
  const auto splits = data::make_voxel_solids_splits(small_options());
  EXPECT_EQ(splits.train->size(), 45);
  EXPECT_EQ(splits.val->size(), 15);
  EXPECT_EQ(splits.test->size(), 12);
  EXPECT_EQ(splits.info.spatial_shape, (std::vector<int64_t>{12, 12, 12}));
  EXPECT_EQ(splits.info.d_output, 6);
  EXPECT_EQ(splits.info.max_length, 12 * 12 * 12);
  for (int64_t i = 0; i < splits.test->size(); ++i) {
    const auto e = splits.test->get(i, nullptr);
    EXPECT_EQ(e.x.sizes(), (std::vector<int64_t>{1, 12, 12, 12}));
    EXPECT_EQ(e.y.item<int64_t>(), i % 6);  // balanced: labels cycle
  }
  const auto batch = splits.test->collate({splits.test->get(0, nullptr), splits.test->get(1, nullptr)});
  EXPECT_EQ(batch.x.sizes(), (std::vector<int64_t>{2, 1, 12, 12, 12}));
}

TEST(VoxelSolids, SeededAndDeterministic) {
  const auto a = data::make_voxel_solids_splits(small_options(3));
  const auto b = data::make_voxel_solids_splits(small_options(3));
  const auto c = data::make_voxel_solids_splits(small_options(4));
  for (int64_t i = 0; i < 6; ++i) {
    EXPECT_TRUE(torch::equal(a.test->get(i, nullptr).x, b.test->get(i, nullptr).x));
    EXPECT_FALSE(torch::equal(a.test->get(i, nullptr).x, c.test->get(i, nullptr).x));
    // The train and test sets are different draws.
    EXPECT_FALSE(torch::equal(a.test->get(i, nullptr).x, a.train->get(i, nullptr).x));
  }
}

TEST(VoxelSolids, SolidsHaveTheirVolume) {
  // Volume fraction of the grid [-1, 1]^3 at half-extent s in [0.45, 0.85], before the rotation and shift (which
  // can only clip a little): sphere 4/3 pi s^3 / 8, cube (1.6 s)^3 / 8, octahedron 4/3 s^3 / 8.
  const double lo = 0.45, hi = 0.85;
  const std::vector<std::pair<int64_t, double>> unit_volumes = {
      {0, 4.0 / 3.0 * M_PI}, {1, 1.6 * 1.6 * 1.6}, {5, 4.0 / 3.0}};
  std::mt19937_64 rng(11);
  for (const auto& [label, volume] : unit_volumes)
    for (int trial = 0; trial < 5; ++trial) {
      const double fraction = data::voxelize_solid(label, 24, rng).mean().item<double>();
      EXPECT_GT(fraction, 0.8 * volume * lo * lo * lo / 8) << "label " << label;
      EXPECT_LT(fraction, 1.2 * volume * hi * hi * hi / 8) << "label " << label;
    }
  // Every class is a non-empty solid that leaves room around it.
  for (int64_t label = 0; label < 6; ++label) {
    const double fraction = data::voxelize_solid(label, 16, rng).mean().item<double>();
    EXPECT_GT(fraction, 0.005) << "label " << label;
    EXPECT_LT(fraction, 0.6) << "label " << label;
  }
  EXPECT_THROW(data::voxelize_solid(6, 16, rng), std::invalid_argument);
}
