// ModelNet10 / ModelNet40 as point clouds (CCNN's datamodules/modelnet.py), from the Princeton zip's layout:
// <root>/<category>/{train,test}/<category>_NNNN.off. Categories are the sub-folders in sorted order (label = rank).
// Every mesh becomes num_nodes surface points with normals (data/mesh_sampler.h; training meshes resampling_factor
// times, test meshes once), normalised as PyG's NormalizeScale; an example is x = normals ++ positions [N, 6] with
// rel_pos and the `neighbours` nearest points of every point (data/point_cloud.h). The sampled clouds are cached in
// <root>/.longconv/ (data/point_cloud_store.h). As the reference, the test set also serves as the validation set.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "data/point_neighbours.h"

namespace longconv::data {

struct ModelNetOptions {
  std::string root;
  int64_t modelnet_name = 40;  // 10 | 40: the number of categories the folder must hold
  int64_t num_nodes = 512;
  int64_t resampling_factor = 1;
  int64_t neighbours = 0;  // sorted neighbours per point; 0 = all num_nodes (the reference)
  NeighbourSearch search = NeighbourSearch::Auto;
  bool augment = false;  // GaussianRandomTranslate(0, 0.02) on training examples
  uint64_t seed = 0;     // sampling: each mesh and copy draws from mix_seed(seed, hash(relative path), copy)
};

// OptionError naming the field: modelnet_name not 10 or 40, num_nodes or resampling_factor < 1, neighbours outside
// 0..num_nodes.
void validate(const ModelNetOptions& options);
Splits make_modelnet_splits(const ModelNetOptions& options);

struct DatasetType;
DatasetType modelnet_dataset_type();  // dataset.name: modelnet

// The cache file of a split ("train" | "test").
std::string modelnet_cache_path(const ModelNetOptions& options, const std::string& split);

}  // namespace longconv::data
