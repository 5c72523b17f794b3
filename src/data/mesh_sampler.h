// PyG SamplePoints(num, remove_faces=True, include_normals=True): `n` points uniformly on a triangle mesh's surface
// (a face drawn with probability proportional to its area, then a uniform point in it), each with its face's unit
// normal (the cross product of the face's edges, so it follows the face's vertex order). Draws from `rng` only, so
// one seed gives the same points everywhere.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "data/formats/off_mesh.h"
#include "data/point_cloud.h"

namespace longconv::data {

// std::runtime_error naming `origin` when the mesh has no area.
PointCloud sample_points(const TriangleMesh& mesh, int64_t n, std::mt19937_64& rng, const std::string& origin);

}  // namespace longconv::data
