// Point-cloud data: area-weighted surface sampling, NormalizeScale, neighbours, the translation augmentation.
#include <gtest/gtest.h>

#include "data/formats/off_mesh.h"
#include "data/mesh_sampler.h"
#include "data/point_cloud.h"
#include "data/point_neighbours.h"
#include "support/helpers.h"

using namespace longconv;

namespace {

// An axis-aligned box [0, a] x [0, b] x [0, c] as an OFF file: quads wound outwards.
std::string box_off(double a, double b, double c) {
  std::string s = "OFF\n8 6 0\n";
  for (int i = 0; i < 8; ++i)
    s += std::to_string(i & 1 ? a : 0) + " " + std::to_string(i & 2 ? b : 0) + " " + std::to_string(i & 4 ? c : 0) +
         "\n";
  return s + "4 0 2 3 1\n4 4 5 7 6\n4 0 1 5 4\n4 2 6 7 3\n4 0 4 6 2\n4 1 3 7 5\n";
}

}  // namespace

TEST(MeshSampler, CubePointsLieOnItsFacesWithTheFaceNormals) {
  test::TempDir dir;
  test::write_file(dir.file("cube.off"), box_off(2, 2, 2));
  const auto mesh = data::read_off(dir.file("cube.off"));
  std::mt19937_64 rng(7);
  const auto cloud = data::sample_points(mesh, 1000, rng, "cube.off");
  ASSERT_EQ(cloud.pos.sizes(), (std::vector<int64_t>{1000, 3}));
  ASSERT_EQ(cloud.normal.sizes(), (std::vector<int64_t>{1000, 3}));
  std::array<int, 6> per_face{};
  for (int64_t i = 0; i < 1000; ++i) {
    const auto p = cloud.pos[i], q = cloud.normal[i];
    EXPECT_GE(p.min().item<double>(), -1e-6);
    EXPECT_LE(p.max().item<double>(), 2 + 1e-6);
    // The normal is a unit axis vector, outwards, and the point lies on that face's plane.
    const int64_t axis = q.abs().argmax().item<int64_t>();
    const double sign = q[axis].item<double>();
    EXPECT_NEAR(std::abs(sign), 1.0, 1e-6);
    EXPECT_NEAR(q.norm().item<double>(), 1.0, 1e-6);
    EXPECT_NEAR(p[axis].item<double>(), sign > 0 ? 2.0 : 0.0, 1e-5);
    ++per_face[static_cast<size_t>(2 * axis + (sign > 0))];
  }
  for (int count : per_face) EXPECT_GT(count, 120);  // equal areas: about 167 each
  // One seed, the same points; another seed, others.
  std::mt19937_64 again(7), other(8);
  EXPECT_TRUE(torch::equal(data::sample_points(mesh, 1000, again, "cube.off").pos, cloud.pos));
  EXPECT_FALSE(torch::equal(data::sample_points(mesh, 1000, other, "cube.off").pos, cloud.pos));
}

TEST(MeshSampler, FacesAreDrawnByArea) {
  // A 4 x 1 x 1 box: the four long faces hold 16 of its 18 area units.
  const auto mesh = data::parse_off(box_off(4, 1, 1), "box.off");
  std::mt19937_64 rng(3);
  const auto cloud = data::sample_points(mesh, 9000, rng, "box.off");
  const auto ends = (cloud.normal.select(1, 0).abs() > 0.5).sum().item<double>();
  EXPECT_NEAR(ends / 9000, 2.0 / 18.0, 0.015);
  const auto flat = data::parse_off("OFF\n3 1 0\n0 0 0\n1 0 0\n2 0 0\n3 0 1 2\n", "flat.off");
  EXPECT_NE(test::error_of([&] { data::sample_points(flat, 4, rng, "flat.off"); }).find("flat.off: the mesh has no"),
            std::string::npos);
}

TEST(PointCloud, NormalizeScaleAndFeatures) {
  torch::manual_seed(0);
  const data::PointCloud cloud{torch::rand({50, 3}) * 5 + 3, torch::randn({50, 3})};
  const auto n = data::normalize_scale(cloud);
  EXPECT_TRUE(torch::allclose(n.pos.mean(0), torch::zeros({3}), 0, 1e-5));
  EXPECT_NEAR(n.pos.abs().max().item<double>(), 0.999999, 1e-6);
  EXPECT_TRUE(torch::equal(n.normal, cloud.normal));
  const auto x = data::point_features(n);
  EXPECT_TRUE(torch::equal(x.narrow(1, 0, 3), n.normal));
  EXPECT_TRUE(torch::equal(x.narrow(1, 3, 3), n.pos));
  const auto rel = data::relative_positions(n.pos);
  EXPECT_TRUE(torch::equal(rel[3][7], n.pos[3] - n.pos[7]));
}

TEST(PointNeighbours, BothSearchesAgreeAndSortByDistance) {
  torch::manual_seed(1);
  const auto pos = torch::rand({300, 3});
  for (const int64_t k : {1, 16, 300}) {
    const auto a = data::sorted_neighbours(pos, k, data::NeighbourSearch::AllPairs);
    const auto b = data::sorted_neighbours(pos, k, data::NeighbourSearch::KdTree);
    EXPECT_TRUE(torch::equal(a, b)) << "k = " << k;
    EXPECT_TRUE(torch::equal(a.select(1, 0), torch::arange(300))) << "each point is its own nearest";
  }
  const auto all = data::sorted_neighbours(pos, 300);
  const auto d = data::relative_positions(pos.to(torch::kFloat64)).square().sum(2).gather(1, all);
  EXPECT_TRUE((d.narrow(1, 1, 299) >= d.narrow(1, 0, 299)).all().item<bool>());
  // Exact ties (duplicate points) go to the lower index.
  const auto dup = torch::tensor({0.f, 0.f, 0.f, 1.f, 0.f, 0.f, 0.f, 0.f, 0.f, 1.f, 0.f, 0.f}).view({4, 3});
  const auto expected = torch::tensor({0, 2, 1, 3, 1, 3, 0, 2, 0, 2, 1, 3, 1, 3, 0, 2}, torch::kInt64).view({4, 4});
  for (const auto search : {data::NeighbourSearch::AllPairs, data::NeighbourSearch::KdTree})
    EXPECT_TRUE(torch::equal(data::sorted_neighbours(dup, 4, search), expected));
  EXPECT_THROW(data::sorted_neighbours(pos, 301), c10::Error);
}

TEST(PointCloud, TranslationMovesPositionFeaturesOnly) {
  std::mt19937_64 rng(5);
  const auto noise = data::translation_noise(20000, 0.02, 0.05, rng);
  EXPECT_LE(noise.abs().max().item<double>(), static_cast<double>(0.05f));  // clipped, then float32
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 1e-3);
  EXPECT_NEAR(noise.std().item<double>(), 0.0196, 1.5e-3);  // a N(0, 0.02) clipped at 2.5 sigma
  torch::manual_seed(2);
  const data::PointCloud cloud{torch::rand({10, 3}), torch::randn({10, 3})};
  auto e = data::point_example(cloud, 1, 10);
  const auto before = e;
  const auto shift = data::translation_noise(10, 0.02, 0.05, rng);
  data::translate_example(e, shift);
  EXPECT_TRUE(torch::equal(e.x.narrow(1, 0, 3), cloud.normal));
  EXPECT_TRUE(torch::equal(e.x.narrow(1, 3, 3), cloud.pos + shift));
  EXPECT_TRUE(torch::equal(e.rel_pos, before.rel_pos));
  EXPECT_TRUE(torch::equal(e.sorted_indices, before.sorted_indices));
  EXPECT_TRUE(torch::equal(before.x.narrow(1, 3, 3), cloud.pos)) << "the original example is not modified";
}
