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
#include "data/registry.h"
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
  if (!fs::is_directory(root)) throw std::runtime_error("dataset.data_dir: '" + root + "' is not a directory");
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

void validate(const ModelNetOptions& o) {
  check_option(o.modelnet_name, one_of({10, 40}), "ModelNetOptions::modelnet_name");
  check_option(o.num_nodes, at_least(1), "ModelNetOptions::num_nodes");
  check_option(o.resampling_factor, at_least(1), "ModelNetOptions::resampling_factor");
  check_option(o.neighbours, in_closed(0, static_cast<double>(o.num_nodes)), "ModelNetOptions::neighbours");
}

Splits make_modelnet_splits(const ModelNetOptions& o) {
  validate(o);
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

DatasetType modelnet_dataset_type() {
  using O = ModelNetOptions;
  O defaults;
  defaults.root = "data/ModelNet40";
  auto bindings =
      Bindings<O>(defaults)
          .bind("data_dir", &O::root, "the unzipped ModelNet10/40 folder: <category>/{train,test}/<category>_NNNN.off")
          .bind("modelnet_name", &O::modelnet_name, "10 or 40: the number of category folders")
          .bind("num_nodes", &O::num_nodes, "points sampled on each mesh's surface")
          .bind("resampling_factor", &O::resampling_factor, "sampled copies of every training mesh")
          .bind("augment", &O::augment, "Gaussian translation of training clouds (std 0.02, clipped), as the reference")
          .bind("neighbours", &O::neighbours, "sorted neighbours per point (>= kernel.num_edges); 0: all num_nodes")
          .bind("neighbour_search", &O::search, kNeighbourSearchNames,
                "exact kNN by all pairs or a k-d tree; auto: the faster as measured")
          .bind("seed", &O::seed, "surface sampling seed (with each mesh's path and copy)")
          .validate([](const O& o) { validate(o); });
  return bound_dataset_type<O>(
      "modelnet",
      "ModelNet10/40 meshes as point clouds (normals ++ positions [num_nodes, 6]); the test set also validates",
      std::move(bindings), make_modelnet_splits);
}

}  // namespace longconv::data
