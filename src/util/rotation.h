// Uniform random 3D rotations for the generated solids (voxel_solids, point_solids).
#pragma once

#include <array>
#include <random>

namespace longconv {

using Vec3 = std::array<double, 3>;
using Mat3 = std::array<Vec3, 3>;

// From a uniform unit quaternion (Shoemake 1992); three draws of uniform01.
Mat3 random_rotation(std::mt19937_64& rng);

}  // namespace longconv
