#include "data/datasets/voxel_solids.h"

#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "data/registry.h"
#include "util/random.h"
#include "util/rotation.h"

namespace longconv::data {
namespace {

// Inside test of each solid in its own frame, where it spans about [-1, 1] on every axis.
bool inside(int64_t label, const Vec3& q) {
  const double x = q[0], y = q[1], z = q[2];
  const double radial = std::sqrt(x * x + y * y);
  switch (label) {
    case 0:  // sphere
      return x * x + y * y + z * z <= 1.0;
    case 1:  // cube, edge chosen so its volume is close to the sphere's
      return std::max({std::abs(x), std::abs(y), std::abs(z)}) <= 0.8;
    case 2:  // cylinder along z
      return radial <= 0.8 && std::abs(z) <= 0.9;
    case 3:  // cone: base of radius 1 at z = -1, apex at z = 1
      return std::abs(z) <= 1.0 && radial <= (1.0 - z) / 2.0;
    case 4:  // torus around z: tube radius 0.32 at distance 0.66 from the axis
      return (radial - 0.66) * (radial - 0.66) + z * z <= 0.32 * 0.32;
    case 5:  // octahedron
      return std::abs(x) + std::abs(y) + std::abs(z) <= 1.0;
  }
  throw std::invalid_argument("voxel_solids: label " + std::to_string(label) + " outside [0, 6)");
}

}  // namespace

torch::Tensor voxelize_solid(int64_t label, int64_t resolution, std::mt19937_64& rng) {
  const double scale = 0.45 + 0.4 * uniform01(rng);
  const Mat3 r = random_rotation(rng);
  // Every solid fits in the ball of radius sqrt(3) * 0.8 < 1.4 of its frame; shifting by up to the margin that the
  // scale leaves keeps most of it inside the grid.
  const double margin = std::max(0.0, 1.0 - scale);
  Vec3 centre;
  for (double& c : centre) c = margin * (2 * uniform01(rng) - 1);

  torch::Tensor grid = torch::zeros({resolution, resolution, resolution});
  float* g = grid.data_ptr<float>();
  const double step = 2.0 / static_cast<double>(resolution);
  for (int64_t i = 0; i < resolution; ++i)
    for (int64_t j = 0; j < resolution; ++j)
      for (int64_t k = 0; k < resolution; ++k) {
        const Vec3 p = {-1 + (i + 0.5) * step - centre[0], -1 + (j + 0.5) * step - centre[1],
                        -1 + (k + 0.5) * step - centre[2]};
        // q = R^T p / scale: the point in the solid's frame.
        Vec3 q;
        for (int a = 0; a < 3; ++a) q[a] = (r[0][a] * p[0] + r[1][a] * p[1] + r[2][a] * p[2]) / scale;
        g[(i * resolution + j) * resolution + k] = inside(label, q) ? 1.0f : 0.0f;
      }
  return grid;
}

void validate(const VoxelSolidsOptions& o) {
  check_option(o.resolution, at_least(4), "VoxelSolidsOptions::resolution");
  validate(o.sizes);
}

Splits make_voxel_solids_splits(const VoxelSolidsOptions& o) {
  validate(o);
  const int64_t d = o.resolution;
  auto make = [d](int64_t index, std::mt19937_64& rng) {
    const int64_t label = index % kVoxelSolidClasses;
    return Example{voxelize_solid(label, d, rng).unsqueeze(0), torch::tensor(label), -1};
  };
  DatasetInfo info;
  info.task = Task::Classification;
  info.d_input = 1;
  info.d_output = kVoxelSolidClasses;
  info.max_length = d * d * d;
  info.spatial_shape = {d, d, d};
  return make_generated_splits(o.sizes, make, info);
}

DatasetType voxel_solids_dataset_type() {
  auto bindings = Bindings<VoxelSolidsOptions>()
                      .bind("resolution", &VoxelSolidsOptions::resolution,
                            "voxels per grid edge: x is [1, resolution, resolution, resolution]", at_least(4))
                      .nest(&VoxelSolidsOptions::sizes, generated_size_bindings())
                      .validate([](const VoxelSolidsOptions& o) { validate(o); });
  return bound_dataset_type<VoxelSolidsOptions>(
      "voxel_solids",
      "generated 3D occupancy grids of sphere, cube, cylinder, cone, torus, octahedron (random size, pose), 6 classes",
      std::move(bindings), make_voxel_solids_splits);
}

}  // namespace longconv::data
