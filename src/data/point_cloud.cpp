#include "data/point_cloud.h"

#include <algorithm>
#include <cmath>

#include "util/random.h"

namespace longconv::data {

PointCloud normalize_scale(const PointCloud& cloud) {
  const auto centred = cloud.pos - cloud.pos.mean(0, /*keepdim=*/true);
  const auto scale = (1.0 / centred.abs().max()) * 0.999999;
  return {centred * scale, cloud.normal};
}

torch::Tensor point_features(const PointCloud& cloud) { return torch::cat({cloud.normal, cloud.pos}, 1); }

torch::Tensor relative_positions(const torch::Tensor& pos) { return pos.unsqueeze(1) - pos.unsqueeze(0); }

Example point_example(const PointCloud& cloud, int64_t label, int64_t k, NeighbourSearch search) {
  Example e;
  e.x = point_features(cloud);
  e.y = torch::tensor(label);
  e.rel_pos = relative_positions(cloud.pos);
  e.sorted_indices = sorted_neighbours(cloud.pos, k, search);
  return e;
}

torch::Tensor translation_noise(int64_t n, double stddev, double clip, std::mt19937_64& rng) {
  torch::Tensor noise = torch::empty({n, 3});
  float* out = noise.data_ptr<float>();
  for (int64_t i = 0; i < 3 * n; ++i) {
    // Box-Muller on the portable uniform (std::normal_distribution differs between standard libraries).
    const double u1 = 1.0 - uniform01(rng), u2 = uniform01(rng);
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    out[i] = static_cast<float>(std::clamp(z * stddev, -clip, clip));
  }
  return noise;
}

void translate_example(Example& example, const torch::Tensor& noise) {
  example.x = example.x.clone();
  example.x.narrow(1, 3, 3).add_(noise.to(example.x.dtype()));
}

}  // namespace longconv::data
