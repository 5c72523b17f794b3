#include "data/datasets/point_cloud_dataset.h"

#include <stdexcept>
#include <string>

#include "data/point_cloud.h"

namespace longconv::data {

PointCloudDataset::PointCloudDataset(PointCloudSet clouds, PointExampleOptions options)
    : clouds_(std::move(clouds)), options_(options) {
  const int64_t n = clouds_.pos.size(1);
  if (options_.neighbours < 0 || options_.neighbours > n)
    throw std::runtime_error("dataset.neighbours: expected 0 (all) or 1.." + std::to_string(n) + ", got " +
                             std::to_string(options_.neighbours));
}

Example PointCloudDataset::get(int64_t index, std::mt19937_64* rng) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("point clouds: index " + std::to_string(index) + " outside [0, " + std::to_string(size()) +
                            ")");
  const PointCloud cloud{clouds_.pos[index], clouds_.normal[index]};
  const int64_t n = cloud.pos.size(0);
  Example e = point_example(cloud, clouds_.labels[index].item<int64_t>(),
                            options_.neighbours > 0 ? options_.neighbours : n, options_.search);
  if (rng && options_.translate_std > 0) translate_example(e, translation_noise(n, options_.translate_std, 0.05, *rng));
  return e;
}

}  // namespace longconv::data
