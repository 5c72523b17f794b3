// ModelNet (published folder layout, sampled-cloud cache) and the generated point_solids set.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/datasets/modelnet.h"
#include "data/datasets/point_solids.h"
#include "data/mesh_sampler.h"
#include "io/safetensors.h"
#include "support/helpers.h"
#include "support/modelnet_writer.h"

using namespace longconv;
namespace fs = std::filesystem;

TEST(ModelNet, ReadsTheLayoutResamplesAndCaches) {
  test::TempDir dir;
  test::write_modelnet_tree(dir.path(), 10, 2);
  data::ModelNetOptions o;
  o.root = dir.path().string();
  o.modelnet_name = 10;
  o.num_nodes = 32;
  o.resampling_factor = 3;
  o.neighbours = 8;
  const auto splits = data::make_modelnet_splits(o);
  EXPECT_EQ(splits.train->size(), 10 * 2 * 3);
  EXPECT_EQ(splits.test->size(), 10);
  EXPECT_EQ(splits.val, splits.test);
  EXPECT_EQ(splits.info.d_input, 6);
  EXPECT_EQ(splits.info.d_output, 10);
  const auto e = splits.train->get(7, nullptr);
  EXPECT_EQ(e.x.sizes(), (std::vector<int64_t>{32, 6}));
  EXPECT_EQ(e.rel_pos.sizes(), (std::vector<int64_t>{32, 32, 3}));
  EXPECT_EQ(e.sorted_indices.sizes(), (std::vector<int64_t>{32, 8}));
  EXPECT_EQ(e.y.item<int64_t>(), 1);  // categories in sorted order; 2 meshes x 3 copies per category
  EXPECT_NEAR(e.x.narrow(1, 3, 3).abs().max().item<double>(), 0.999999, 1e-6);
  // The copies of one mesh are different samples.
  EXPECT_FALSE(torch::equal(splits.train->get(6, nullptr).x, e.x));
  const auto batch = splits.train->collate({e, splits.train->get(0, nullptr)});
  EXPECT_EQ(batch.rel_pos.sizes(), (std::vector<int64_t>{2, 32, 32, 3}));
  EXPECT_EQ(batch.sorted_indices.sizes(), (std::vector<int64_t>{2, 32, 8}));

  // The cache is used again with the same options, and remade when they change.
  const auto cache = data::modelnet_cache_path(o, "train");
  ASSERT_TRUE(fs::exists(cache));
  const auto stamp = fs::last_write_time(cache);
  const auto again = data::make_modelnet_splits(o);
  EXPECT_EQ(fs::last_write_time(cache), stamp);
  EXPECT_TRUE(torch::equal(again.train->get(7, nullptr).x, e.x));
  o.num_nodes = 24;
  const auto changed = data::make_modelnet_splits(o);
  EXPECT_EQ(changed.train->get(7, nullptr).x.size(0), 24);
  EXPECT_EQ(io::read_safetensors(cache).metadata.at("num_nodes"), "24");
  // Augmentation moves the training features only when the loader passes a generator.
  o.augment = true;
  const auto augmented = data::make_modelnet_splits(o);
  std::mt19937_64 rng(1);
  const auto moved = augmented.train->get(7, &rng);
  const auto plain = augmented.train->get(7, nullptr);
  EXPECT_FALSE(torch::equal(moved.x, plain.x));
  EXPECT_TRUE(torch::equal(moved.rel_pos, plain.rel_pos));
  EXPECT_TRUE(torch::equal(augmented.test->get(0, &rng).x, augmented.test->get(0, nullptr).x));
}

TEST(ModelNet, LayoutErrorsNameThePath) {
  test::TempDir dir;
  test::write_modelnet_tree(dir.path(), 10, 1);
  data::ModelNetOptions o;
  o.root = dir.path().string();
  EXPECT_NE(test::error_of([&] { data::make_modelnet_splits(o); }).find("holds 10 category folders, expected 40"),
            std::string::npos);
  o.modelnet_name = 10;
  test::write_file((dir.path() / "bed" / "train" / "bed_0002.off").string(), "OFF\n3 1 0\n0 0 0\n");
  const std::string msg = test::error_of([&] { data::make_modelnet_splits(o); });
  EXPECT_NE(msg.find("bed_0002.off:3: unexpected end of file"), std::string::npos) << msg;
  o.root = (dir.path() / "nowhere").string();
  EXPECT_NE(test::error_of([&] { data::make_modelnet_splits(o); }).find("nowhere"), std::string::npos);
}

TEST(PointSolids, ShapesLabelsAndDeterminism) {
  data::PointSolidsOptions o;
  o.num_points = 48;
  o.neighbours = 12;
  o.sizes.train_size = 24;
  o.sizes.test_size = 12;
  o.sizes.seed = 4;
  o.sizes.split.val_split = 0.25;
  const auto splits = data::make_point_solids_splits(o);
  EXPECT_EQ(splits.train->size(), 18);
  EXPECT_EQ(splits.val->size(), 6);
  EXPECT_EQ(splits.info.d_input, 6);
  EXPECT_EQ(splits.info.d_output, 6);
  for (int64_t i = 0; i < 12; ++i) {
    const auto e = splits.test->get(i, nullptr);
    EXPECT_EQ(e.y.item<int64_t>(), i % 6);
    EXPECT_EQ(e.x.sizes(), (std::vector<int64_t>{48, 6}));
    EXPECT_EQ(e.sorted_indices.sizes(), (std::vector<int64_t>{48, 12}));
    EXPECT_TRUE(torch::allclose(e.x.narrow(1, 0, 3).norm(2, 1), torch::ones({48}), 1e-5));
    EXPECT_NEAR(e.x.narrow(1, 3, 3).abs().max().item<double>(), 0.999999, 1e-6);
    EXPECT_TRUE(torch::equal(e.x, splits.test->get(i, nullptr).x));
  }
  o.sizes.seed = 5;
  EXPECT_FALSE(torch::equal(data::make_point_solids_splits(o).test->get(0, nullptr).x, splits.test->get(0, nullptr).x));
}

TEST(PointSolids, SolidsAreClosedAndWoundOutwards) {
  for (int64_t label = 0; label < data::kPointSolidClasses; ++label) {
    const auto mesh = data::solid_mesh(label);
    std::mt19937_64 rng(static_cast<uint64_t>(label));
    const auto cloud = data::sample_points(mesh, 400, rng, "solid");
    // Normals point away from the solid's centre (the torus: away from its tube's centre line).
    auto centre = torch::zeros({400, 3});
    if (label == 4) {
      const auto xy = cloud.pos.narrow(1, 0, 2);
      centre.narrow(1, 0, 2).copy_(xy / xy.norm(2, 1, true) * 0.66);
    }
    const auto outward = ((cloud.pos - centre) * cloud.normal).sum(1);
    EXPECT_GT(outward.min().item<double>(), 0.0) << "solid " << label;
  }
}
