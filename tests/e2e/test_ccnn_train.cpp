// `longconv train` of the small CCNN configs end to end in 1D (sequential Fashion-MNIST), 2D (Fashion-MNIST images),
// 3D (voxel_solids) and on point clouds (point_solids, conv.type SeparablePointFlexConv): the same net type, data_dim
// from the data, a couple of batches on a narrow net.
#include <gtest/gtest.h>

#include <string>

#include "support/cli.h"

namespace {

void expect_ccnn_trains(const std::string& config, const std::string& extra) {
  longconv::test::TempDir dir;
  const auto r = longconv::test::run_cli(
      dir, "train " + std::string(LONGCONV_SOURCE_DIR) + "/configs/ccnn/small/" + config +
               " threads=1 net.no_hidden=8 kernel.no_hidden=8 train.batch_size=8 train.eval_batch_size=16"
               " train.max_train_batches=2 train.max_eval_batches=1 train.out_dir=" +
               dir.file("run") + extra);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test accuracy at best validation: "), std::string::npos) << r.out;
}

}  // namespace

TEST(CcnnTrain, Sequence1d) { expect_ccnn_trains("fmnist_1d.yaml", ""); }

TEST(CcnnTrain, Image2d) { expect_ccnn_trains("fmnist_2d.yaml", ""); }

TEST(CcnnTrain, Voxels3d) {
  expect_ccnn_trains("voxel_solids_3d.yaml", " dataset.train_size=64 dataset.test_size=16 dataset.resolution=8");
}

TEST(CcnnTrain, PointClouds) {
  expect_ccnn_trains("point_solids.yaml", " dataset.train_size=64 dataset.test_size=16 dataset.num_points=32");
}
