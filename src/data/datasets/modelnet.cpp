#include "data/datasets/modelnet.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "data/datasets/point_cloud_dataset.h"
#include "data/formats/off_mesh.h"
#include "data/mesh_sampler.h"
#include "data/point_cloud.h"
#include "util/random.h"

namespace fs = std::filesystem;

namespace longconv::data {
namespace {

// Bumped whenever sampling changes, so older caches are resampled.
constexpr const char* kSamplerVersion = "1";

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

struct Mesh {
  std::string relative;  // <category>/<split>/<file>.off
  int64_t label;
};

std::vector<std::string> categories(const std::string& root) {
  if (!fs::is_directory(root)) throw std::runtime_error("dataset.path: '" + root + "' is not a directory");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.is_directory() && entry.path().filename().string()[0] != '.')
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<Mesh> meshes(const std::string& root, const std::vector<std::string>& cats, const std::string& split) {
  std::vector<Mesh> out;
  for (size_t label = 0; label < cats.size(); ++label) {
    const fs::path folder = fs::path(root) / cats[label] / split;
    if (!fs::is_directory(folder))
      throw std::runtime_error("ModelNet: missing folder " + folder.string() + " (expected <category>/" + split + ")");
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
      const std::string name = entry.path().filename().string();
      if (entry.is_regular_file() && name.rfind(cats[label] + "_", 0) == 0 && entry.path().extension() == ".off")
        files.push_back(name);
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) out.push_back({cats[label] + "/" + split + "/" + f, static_cast<int64_t>(label)});
  }
  if (out.empty())
    throw std::runtime_error("ModelNet: no <category>_*.off files in the " + split + " folders of " + root);
  return out;
}

// Everything the cached clouds depend on: options, sampler version and each file's name, size and time.
std::map<std::string, std::string> cache_key(const ModelNetOptions& o, const std::vector<Mesh>& list, int64_t copies) {
  uint64_t files = 0;
  for (const auto& m : list) {
    const fs::path p = fs::path(o.root) / m.relative;
    const auto time = fs::last_write_time(p).time_since_epoch().count();
    files = mix_seed(files, fnv1a(m.relative), mix_seed(fs::file_size(p), static_cast<uint64_t>(time)));
  }
  return {{"sampler_version", kSamplerVersion},    {"num_nodes", std::to_string(o.num_nodes)},
          {"copies", std::to_string(copies)},      {"seed", std::to_string(o.seed)},
          {"meshes", std::to_string(list.size())}, {"files_fingerprint", std::to_string(files)}};
}

PointCloudSet sample_split(const ModelNetOptions& o, const std::vector<Mesh>& list, int64_t copies) {
  const auto m = static_cast<int64_t>(list.size());
  PointCloudSet set{torch::empty({m * copies, o.num_nodes, 3}), torch::empty({m * copies, o.num_nodes, 3}),
                    torch::empty({m * copies}, torch::kInt64)};
  at::parallel_for(0, m, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const auto& mesh = list[static_cast<size_t>(i)];
      const std::string path = (fs::path(o.root) / mesh.relative).string();
      const TriangleMesh triangles = read_off(path);
      for (int64_t c = 0; c < copies; ++c) {
        std::mt19937_64 rng(mix_seed(o.seed, fnv1a(mesh.relative), static_cast<uint64_t>(c)));
        const PointCloud cloud = normalize_scale(sample_points(triangles, o.num_nodes, rng, path));
        const int64_t row = i * copies + c;
        set.pos[row].copy_(cloud.pos);
        set.normal[row].copy_(cloud.normal);
        set.labels[row] = mesh.label;
      }
    }
  });
  return set;
}

}  // namespace

std::string modelnet_cache_path(const ModelNetOptions& o, const std::string& split) {
  return (fs::path(o.root) / ".longconv" / ("points_" + split + ".safetensors")).string();
}

Splits make_modelnet_splits(const ModelNetOptions& o) {
  if (o.modelnet_name != 10 && o.modelnet_name != 40)
    throw std::runtime_error("dataset.modelnet_name: expected 10 or 40, got " + std::to_string(o.modelnet_name));
  if (o.num_nodes < 1) throw std::runtime_error("dataset.num_nodes: expected >= 1, got " + std::to_string(o.num_nodes));
  if (o.resampling_factor < 1)
    throw std::runtime_error("dataset.resampling_factor: expected >= 1, got " + std::to_string(o.resampling_factor));
  const auto cats = categories(o.root);
  if (static_cast<int64_t>(cats.size()) != o.modelnet_name)
    throw std::runtime_error("ModelNet" + std::to_string(o.modelnet_name) + ": " + o.root + " holds " +
                             std::to_string(cats.size()) + " category folders, expected " +
                             std::to_string(o.modelnet_name));
  auto load = [&](const std::string& split, int64_t copies, double translate) {
    const auto list = meshes(o.root, cats, split);
    auto clouds = load_or_make_point_clouds(modelnet_cache_path(o, split), cache_key(o, list, copies),
                                            [&] { return sample_split(o, list, copies); });
    return std::make_shared<PointCloudDataset>(std::move(clouds),
                                               PointExampleOptions{o.neighbours, o.search, translate});
  };
  Splits splits;
  splits.train = load("train", o.resampling_factor, o.augment ? 0.02 : 0.0);
  splits.test = load("test", 1, 0.0);
  splits.val = splits.test;  // the reference validates on the test set (PointConv has no validation split)
  splits.info.task = Task::Classification;
  splits.info.d_input = 6;
  splits.info.d_output = o.modelnet_name;
  splits.info.max_length = o.num_nodes;
  splits.info.spatial_shape = {o.num_nodes};
  return splits;
}

}  // namespace longconv::data
