// voxel_solids: a small generated 3D classification set. Each example is one solid, voxelized into a [1, D, D, D]
// occupancy grid (1 inside, 0 outside, tested at voxel centres). Classes, in label order: sphere, cube, cylinder,
// cone, torus, octahedron. Each solid is scaled (half-extent uniform in [0.45, 0.85] of the grid's half-width),
// rotated by a uniform random rotation and shifted so it stays inside the grid. Labels cycle through the classes, so
// every split is balanced.
#pragma once

#include <cstdint>

#include "data/generated.h"

namespace longconv::data {

inline constexpr int64_t kVoxelSolidClasses = 6;

struct VoxelSolidsOptions {
  int64_t resolution = 16;  // D
  GeneratedSizes sizes = {6000, 1200, 0, {}};
};

// Occupancy [D, D, D] of solid `label`; exposed for tests.
torch::Tensor voxelize_solid(int64_t label, int64_t resolution, std::mt19937_64& rng);

void validate(const VoxelSolidsOptions& options);
Splits make_voxel_solids_splits(const VoxelSolidsOptions& options);

struct DatasetType;
DatasetType voxel_solids_dataset_type();  // dataset.name: voxel_solids

}  // namespace longconv::data
