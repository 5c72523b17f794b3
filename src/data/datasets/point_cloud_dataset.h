// A dataset of stored point clouds: example i is cloud i with its label, relative positions and k nearest
// neighbours, and (when the loader asks for augmentation) the reference's Gaussian translation of its features.
#pragma once

#include "data/dataset.h"
#include "data/point_cloud_store.h"
#include "data/point_neighbours.h"

namespace longconv::data {

struct PointExampleOptions {
  int64_t neighbours = 0;  // 0 = all points
  NeighbourSearch search = NeighbourSearch::Auto;
  double translate_std = 0.0;  // GaussianRandomTranslate std (0 = off); noise clipped to +-0.05 as the reference
};

class PointCloudDataset : public Dataset {
 public:
  PointCloudDataset(PointCloudSet clouds, PointExampleOptions options);
  int64_t size() const override { return clouds_.labels.size(0); }
  Example get(int64_t index, std::mt19937_64* rng) const override;

 private:
  PointCloudSet clouds_;
  PointExampleOptions options_;
};

}  // namespace longconv::data
