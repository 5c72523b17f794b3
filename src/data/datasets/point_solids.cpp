#include "data/datasets/point_solids.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "data/mesh_sampler.h"
#include "data/point_cloud.h"
#include "data/registry.h"
#include "util/random.h"
#include "util/rotation.h"

namespace longconv::data {
namespace {

constexpr int64_t kSegments = 24;  // around every round solid

// Builds meshes from vertex and quad/triangle lists.
struct Builder {
  TriangleMesh mesh;
  int64_t vertex(double x, double y, double z) {
    mesh.vertices.push_back({x, y, z});
    return static_cast<int64_t>(mesh.vertices.size()) - 1;
  }
  void triangle(int64_t a, int64_t b, int64_t c) { mesh.triangles.push_back({a, b, c}); }
  void quad(int64_t a, int64_t b, int64_t c, int64_t d) {
    triangle(a, b, c);
    triangle(a, c, d);
  }
};

// A surface of revolution about z through the profile points (r_k, z_k), bottom to top, closed where r = 0.
TriangleMesh revolve(const std::vector<std::pair<double, double>>& profile, bool periodic) {
  Builder b;
  const auto rings = static_cast<int64_t>(profile.size());
  for (const auto& [r, z] : profile)
    for (int64_t s = 0; s < kSegments; ++s) {
      const double a = 2 * M_PI * static_cast<double>(s) / kSegments;
      b.vertex(r * std::cos(a), r * std::sin(a), z);
    }
  const int64_t last = periodic ? rings : rings - 1;
  for (int64_t k = 0; k < last; ++k)
    for (int64_t s = 0; s < kSegments; ++s) {
      const int64_t k1 = (k + 1) % rings, s1 = (s + 1) % kSegments;
      b.quad(k * kSegments + s, k * kSegments + s1, k1 * kSegments + s1, k1 * kSegments + s);
    }
  return b.mesh;
}

}  // namespace

TriangleMesh solid_mesh(int64_t label) {
  std::vector<std::pair<double, double>> profile;
  switch (label) {
    case 0:  // sphere
      for (int64_t k = 0; k <= kSegments / 2; ++k) {
        const double t = M_PI * static_cast<double>(k) / (kSegments / 2);
        profile.emplace_back(std::sin(t), -std::cos(t));
      }
      return revolve(profile, false);
    case 1: {  // cube of half-edge 0.8
      Builder b;
      for (int64_t i = 0; i < 8; ++i) b.vertex(i & 1 ? 0.8 : -0.8, i & 2 ? 0.8 : -0.8, i & 4 ? 0.8 : -0.8);
      b.quad(0, 2, 3, 1);  // z-
      b.quad(4, 5, 7, 6);  // z+
      b.quad(0, 1, 5, 4);  // y-
      b.quad(2, 6, 7, 3);  // y+
      b.quad(0, 4, 6, 2);  // x-
      b.quad(1, 3, 7, 5);  // x+
      return b.mesh;
    }
    case 2:  // cylinder along z, radius 0.8, half-height 0.9, with caps
      return revolve({{0.0, -0.9}, {0.8, -0.9}, {0.8, 0.9}, {0.0, 0.9}}, false);
    case 3:  // cone: base of radius 1 at z = -1, apex at z = 1
      return revolve({{0.0, -1.0}, {1.0, -1.0}, {0.0, 1.0}}, false);
    case 4:  // torus: tube radius 0.32 at distance 0.66 from the axis
      for (int64_t k = 0; k < kSegments / 2; ++k) {
        const double t = 2 * M_PI * static_cast<double>(k) / (kSegments / 2);
        profile.emplace_back(0.66 + 0.32 * std::sin(t), -0.32 * std::cos(t));
      }
      return revolve(profile, true);
    case 5: {  // octahedron
      Builder b;
      const int64_t top = b.vertex(0, 0, 1), bottom = b.vertex(0, 0, -1);
      const int64_t ring[4] = {b.vertex(1, 0, 0), b.vertex(0, 1, 0), b.vertex(-1, 0, 0), b.vertex(0, -1, 0)};
      for (int i = 0; i < 4; ++i) {
        b.triangle(ring[i], ring[(i + 1) % 4], top);
        b.triangle(ring[(i + 1) % 4], ring[i], bottom);
      }
      return b.mesh;
    }
  }
  throw std::invalid_argument("point_solids: label " + std::to_string(label) + " outside [0, 6)");
}

void validate(const PointSolidsOptions& o) {
  check_option(o.num_points, at_least(4), "PointSolidsOptions::num_points");
  check_option(o.neighbours, in_closed(0, static_cast<double>(o.num_points)), "PointSolidsOptions::neighbours");
  validate(o.sizes);
}

Splits make_point_solids_splits(const PointSolidsOptions& o) {
  validate(o);
  auto make = [o](int64_t index, std::mt19937_64& rng) {
    const int64_t label = index % kPointSolidClasses;
    TriangleMesh mesh = solid_mesh(label);
    Vec3 stretch;
    for (double& s : stretch) s = 0.7 + 0.6 * uniform01(rng);
    const Mat3 r = random_rotation(rng);
    for (auto& v : mesh.vertices) {
      const Vec3 p = {v[0] * stretch[0], v[1] * stretch[1], v[2] * stretch[2]};
      for (int a = 0; a < 3; ++a) v[static_cast<size_t>(a)] = r[a][0] * p[0] + r[a][1] * p[1] + r[a][2] * p[2];
    }
    const PointCloud cloud = normalize_scale(sample_points(mesh, o.num_points, rng, "point_solids"));
    return point_example(cloud, label, o.neighbours > 0 ? o.neighbours : o.num_points, o.search);
  };
  DatasetInfo info;
  info.task = Task::Classification;
  info.d_input = 6;
  info.d_output = kPointSolidClasses;
  info.max_length = o.num_points;
  info.spatial_shape = {o.num_points};
  return make_generated_splits(o.sizes, make, info);
}

DatasetType point_solids_dataset_type() {
  using O = PointSolidsOptions;
  O defaults;
  defaults.sizes = {3000, 600, 0, {}};
  auto bindings = Bindings<O>(defaults)
                      .bind("num_points", &O::num_points, "points (with normals) on each solid: x is [num_points, 6]")
                      .bind("neighbours", &O::neighbours, "sorted neighbours per point (>= kernel.num_edges); 0: all")
                      .bind("neighbour_search", &O::search, kNeighbourSearchNames,
                            "exact kNN by all pairs or a k-d tree; auto: the faster as measured")
                      .nest(&O::sizes, generated_size_bindings())
                      .validate([](const O& o) { validate(o); });
  return bound_dataset_type<O>(
      "point_solids",
      "generated point clouds on sphere, cube, cylinder, cone, torus, octahedron (random stretch, pose), 6 classes",
      std::move(bindings), make_point_solids_splits);
}

}  // namespace longconv::data
