// A cache of sampled point clouds: one safetensors file (pos, normal [M, N, 3], labels [M]) whose metadata records
// everything the clouds depend on, so epochs and later runs do not resample, and a change of options (or of the
// source files) resamples instead of serving stale clouds.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <torch/torch.h>

namespace longconv::data {

struct PointCloudSet {
  torch::Tensor pos, normal;  // [M, N, 3] float32
  torch::Tensor labels;       // [M] int64
};

// The clouds at `path` when its metadata equals `key`; otherwise `make()`'s, written to `path` atomically (a
// directory that cannot be written to only costs the cache: a warning on stderr). A malformed cache file is made anew.
PointCloudSet load_or_make_point_clouds(const std::string& path, const std::map<std::string, std::string>& key,
                                        const std::function<PointCloudSet()>& make);

}  // namespace longconv::data
