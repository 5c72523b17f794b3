#include "data/mesh_sampler.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "util/random.h"

namespace longconv::data {
namespace {

using Vec3 = std::array<double, 3>;

Vec3 sub(const Vec3& a, const Vec3& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec3 cross(const Vec3& a, const Vec3& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const Vec3& a) { return std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]); }

}  // namespace

PointCloud sample_points(const TriangleMesh& mesh, int64_t n, std::mt19937_64& rng, const std::string& origin) {
  if (n < 1) throw std::runtime_error(origin + ": number of points to sample must be >= 1, got " + std::to_string(n));
  std::vector<double> cumulative;  // running sum of the face areas
  cumulative.reserve(mesh.triangles.size());
  double total = 0;
  for (const auto& t : mesh.triangles) {
    const auto& a = mesh.vertices[static_cast<size_t>(t[0])];
    total += norm(cross(sub(mesh.vertices[static_cast<size_t>(t[1])], a),
                        sub(mesh.vertices[static_cast<size_t>(t[2])], a))) /
             2;
    cumulative.push_back(total);
  }
  if (!(total > 0)) throw std::runtime_error(origin + ": the mesh has no surface area to sample points from");

  torch::Tensor pos = torch::empty({n, 3}), normal = torch::empty({n, 3});
  float* p = pos.data_ptr<float>();
  float* q = normal.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const double r = uniform01(rng) * total;
    const size_t f =
        std::min(static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), r) - cumulative.begin()),
                 cumulative.size() - 1);
    const auto& t = mesh.triangles[f];
    const Vec3& a = mesh.vertices[static_cast<size_t>(t[0])];
    const Vec3 e1 = sub(mesh.vertices[static_cast<size_t>(t[1])], a),
               e2 = sub(mesh.vertices[static_cast<size_t>(t[2])], a);
    double u = uniform01(rng), v = uniform01(rng);
    if (u + v > 1) {  // reflect into the triangle, as SamplePoints does
      u = 1 - u;
      v = 1 - v;
    }
    const Vec3 c = cross(e1, e2);
    const double len = std::max(norm(c), 1e-12);  // F.normalize's eps
    for (int d = 0; d < 3; ++d) {
      p[3 * i + d] = static_cast<float>(a[static_cast<size_t>(d)] + u * e1[static_cast<size_t>(d)] +
                                        v * e2[static_cast<size_t>(d)]);
      q[3 * i + d] = static_cast<float>(c[static_cast<size_t>(d)] / len);
    }
  }
  return {pos, normal};
}

}  // namespace longconv::data
