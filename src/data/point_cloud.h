// Point clouds as CCNN's ModelNet pipeline makes them (datamodules/modelnet.py, datamodules/utils.py):
// SamplePoints (data/mesh_sampler.h) -> NormalizeScale -> features = normals ++ positions (RenameAttribute +
// AddPosToFeat) -> PreprocessDistances (relative positions, sorted neighbours) -> optionally GaussianRandomTranslate.
#pragma once

#include <cstdint>
#include <random>

#include <torch/torch.h>

#include "data/dataset.h"
#include "data/point_neighbours.h"

namespace longconv::data {

struct PointCloud {
  torch::Tensor pos;     // [N, 3]
  torch::Tensor normal;  // [N, 3] unit normals
};

// PyG NormalizeScale: centre on the mean, then scale so that max |coordinate| = 0.999999.
PointCloud normalize_scale(const PointCloud& cloud);

torch::Tensor point_features(const PointCloud& cloud);       // [N, 6]: normals, then positions
torch::Tensor relative_positions(const torch::Tensor& pos);  // [N, 3] -> [N, N, 3], [i, j] = pos_i - pos_j

// One example: x = point_features, y = label, rel_pos and the k nearest neighbours of every point.
Example point_example(const PointCloud& cloud, int64_t label, int64_t k,
                      NeighbourSearch search = NeighbourSearch::Auto);

// GaussianRandomTranslate(mean 0, stddev): per-coordinate noise clip(normal(0, stddev), -clip, clip), [N, 3] float.
torch::Tensor translation_noise(int64_t n, double stddev, double clip, std::mt19937_64& rng);
// Adds `noise` to the positions in x[:, 3:] only: as in the reference, rel_pos and sorted_indices keep the un-noised
// geometry (they were computed before the transform).
void translate_example(Example& example, const torch::Tensor& noise);

}  // namespace longconv::data
