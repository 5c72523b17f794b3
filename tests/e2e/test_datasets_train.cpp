// Each image dataset's reader feeds `longconv train` end to end (a one-layer MultiresNet, two batches).
#include <gtest/gtest.h>

#include "support/cifar_writer.h"
#include "support/pathfinder_writer.h"
#include "support/stl10_writer.h"
#include "support/temp_dir.h"
#include "support/train_smoke.h"

TEST(DatasetsTrain, Cifar10) {
  longconv::test::TempDir dir;
  longconv::test::write_cifar10(dir.path().string());
  longconv::test::expect_trains(dir, "  name: cifar10\n  data_dir: " + dir.path().string() +
                                         "\n  val_split: 0.2\n  augment: true\n  stats: multires\n");
  longconv::test::expect_trains(
      dir, "  name: cifar10\n  data_dir: " + dir.path().string() + "\n  val_split: 0.2\n  grayscale: true\n");
}

TEST(DatasetsTrain, Pathfinder) {
  longconv::test::TempDir data, dir;
  longconv::test::write_pathfinder_dir(data.path().string(), 10, "curv_contour_length_14");
  longconv::test::expect_trains(dir, "  name: pathfinder\n  data_dir: " + data.path().string() + "\n");
}

TEST(DatasetsTrain, Stl10) {
  longconv::test::TempDir dir;
  longconv::test::write_stl10_split(dir.path().string(), "train", 0, 10);
  longconv::test::write_stl10_split(dir.path().string(), "test", 0, 4);
  longconv::test::expect_trains(dir, "  name: stl10\n  data_dir: " + dir.path().string() +
                                         "\n  size: 16\n  layout: sequence\n  augment: true\n  val_split: 0.2\n");
}
