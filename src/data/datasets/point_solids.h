// point_solids: a generated point-cloud classification set (the point counterpart of voxel_solids). Each example
// is `num_points` points with normals sampled on the surface of one solid (data/mesh_sampler.h on a tessellation),
// stretched by a random factor in [0.7, 1.3] along each axis, turned by a uniform random rotation, then normalised
// as ModelNet's clouds (NormalizeScale). Classes, in label order: sphere, cube, cylinder, cone, torus, octahedron;
// labels cycle through them, so every split is balanced. Examples are made on demand from (seed, index).
#pragma once

#include <cstdint>

#include "data/formats/off_mesh.h"
#include "data/generated.h"
#include "data/point_neighbours.h"

namespace longconv::data {

inline constexpr int64_t kPointSolidClasses = 6;

struct PointSolidsOptions {
  int64_t num_points = 128;
  int64_t neighbours = 0;  // sorted neighbours per point; 0 = all
  NeighbourSearch search = NeighbourSearch::Auto;
  GeneratedSizes sizes;
};

// The tessellated solid `label` in its own frame (about [-1, 1]^3), faces wound outwards; exposed for tests.
TriangleMesh solid_mesh(int64_t label);

// OptionError naming the field: num_points < 4, neighbours outside 0..num_points, and the sizes' rules.
void validate(const PointSolidsOptions& options);
Splits make_point_solids_splits(const PointSolidsOptions& options);

struct DatasetType;
DatasetType point_solids_dataset_type();  // dataset.name: point_solids

}  // namespace longconv::data
