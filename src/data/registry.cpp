#include "data/registry.h"

#include <algorithm>

#include <fmt/format.h>

#include "data/adding_problem.h"
#include "data/cifar.h"
#include "data/copy_memory.h"
#include "data/listops.h"
#include "data/mnist.h"
#include "data/pathfinder.h"
#include "data/ptbxl.h"
#include "data/speech_commands.h"
#include "data/stl10.h"
#include "data/voxel_solids.h"

namespace longconv::data {
namespace {

void add_mnist_keys(Schema& s) {
  s.add_string("layout", "sequence",
               "sequence: [1, 784] pixels in raster order; permuted: the same, permuted; "
               "image: [1, 28, 28]",
               {"sequence", "permuted", "image"})
      .add_int("permutation_seed", 0, "seed of the fixed pixel permutation (layout: permuted)")
      .add_bool("normalize", true, "standardize pixels with the dataset's mean and std (else scale to [0, 1])")
      .add_string("task", "classification",
                  "classification: labels; density: pixels for autoregressive modelling, rescaled to [-1, 1] "
                  "(normalize does not apply)",
                  {"classification", "density"});
}

// MNIST and Fashion-MNIST differ only in where their files live and their pixel statistics.
DatasetType mnist_family(std::string name, std::string help, std::string default_dir, double mean, double stddev) {
  auto build = [default_dir = std::move(default_dir), mean, stddev](const Config& config) {
    MnistOptions o;
    o.data_dir = config.get_opt_string("dataset.data_dir").value_or(default_dir);
    o.layout = config.get_string("dataset.layout");
    o.permutation_seed = static_cast<uint64_t>(config.get_int("dataset.permutation_seed"));
    o.normalize = config.get_bool("dataset.normalize");
    o.mean = mean;
    o.stddev = stddev;
    o.task = config.get_string("dataset.task") == "density" ? Task::Density : Task::Classification;
    o.val_split = config.get_float("dataset.val_split");
    o.split_seed = static_cast<uint64_t>(config.get_int("dataset.split_seed"));
    return make_mnist_splits(o);
  };
  return {std::move(name), std::move(help), add_mnist_keys, std::move(build)};
}

// Generated datasets: how many examples and from which seed.
void add_generated_keys(Schema& s, int64_t train_size, int64_t test_size) {
  s.add_int("train_size", train_size, "generated training examples (the validation split is held out of them)")
      .add_int("test_size", test_size, "generated test examples")
      .add_int("seed", 0, "seed of the generated examples");
}

GeneratedSizes generated_sizes(const Config& config) {
  GeneratedSizes sizes;
  sizes.train_size = config.get_int("dataset.train_size");
  sizes.test_size = config.get_int("dataset.test_size");
  sizes.seed = static_cast<uint64_t>(config.get_int("dataset.seed"));
  sizes.val_split = config.get_float("dataset.val_split");
  sizes.split_seed = static_cast<uint64_t>(config.get_int("dataset.split_seed"));
  return sizes;
}

DatasetType voxel_solids() {
  auto schema = [](Schema& s) {
    add_generated_keys(s, 6000, 1200);
    s.add_int("resolution", 16, "voxels per grid edge: x is [1, resolution, resolution, resolution]");
  };
  auto build = [](const Config& config) {
    VoxelSolidsOptions o;
    o.resolution = config.get_int("dataset.resolution");
    o.sizes = generated_sizes(config);
    return make_voxel_solids_splits(o);
  };
  return {"voxel_solids",
          "generated 3D occupancy grids of sphere, cube, cylinder, cone, torus, octahedron (random size, pose), 6 "
          "classes",
          schema, build};
}

DatasetType copy_memory() {
  auto schema = [](Schema& s) {
    add_generated_keys(s, 10000, 1000);
    s.add_int("memory_size", 1000, "T: blank steps between the symbols and the marker; length T + 2 copy_length")
        .add_int("copy_length", 10, "K: symbols to remember and copy");
  };
  auto build = [](const Config& config) {
    CopyMemoryOptions o;
    o.memory_size = config.get_int("dataset.memory_size");
    o.copy_length = config.get_int("dataset.copy_length");
    o.sizes = generated_sizes(config);
    return make_copy_memory_splits(o);
  };
  return {"copy_memory", "generated copy memory task: recall 10 symbols after T blanks, 10 classes per step",
          schema, build};
}

DatasetType adding_problem() {
  auto schema = [](Schema& s) {
    add_generated_keys(s, 50000, 1000);
    s.add_int("seq_length", 1000, "L: sequence length");
  };
  auto build = [](const Config& config) {
    AddingProblemOptions o;
    o.seq_length = config.get_int("dataset.seq_length");
    o.sizes = generated_sizes(config);
    return make_adding_problem_splits(o);
  };
  return {"adding_problem", "generated adding problem: the sum of the two marked values of a sequence (regression)",
          schema, build};
}

const std::vector<DatasetType>& table() {
  static const std::vector<DatasetType> types = {
      mnist_family("fashion_mnist", "Fashion-MNIST: 28x28 grey images of clothing, 10 classes",
                   "/usr/share/datasets/fashion-mnist", kFashionMnistMean, kFashionMnistStd),
      mnist_family("mnist", "MNIST: 28x28 grey images of digits, 10 classes", "/usr/share/datasets/mnist", kMnistMean,
                   kMnistStd),
      cifar(10, "CIFAR-10 (binary release): 32x32 colour images, 10 classes", "data/cifar-10-batches-bin",
            {"ccnn", "multires"}),
      cifar(100, "CIFAR-100 (binary release): 32x32 colour images, 100 fine classes", "data/cifar-100-binary",
            {"ccnn"}),
      listops(),
      pathfinder(),
      stl10(),
      speech_commands(),
      ptbxl(),
      voxel_solids(),
      copy_memory(),
      adding_problem(),
  };
  return types;
}

}  // namespace

const DatasetType& dataset_type(const std::string& name) {
  for (const auto& type : table())
    if (type.name == name) return type;
  throw ConfigError(
      fmt::format("key 'dataset.name': unknown dataset '{}' (known: {})", name, fmt::join(dataset_type_names(), ", ")));
}

std::vector<std::string> dataset_type_names() {
  std::vector<std::string> names;
  for (const auto& type : table()) names.push_back(type.name);
  return names;
}

void add_common_dataset_keys(Schema& s) {
  s.add_string("name", std::nullopt, "dataset", dataset_type_names())
      .add_string("data_dir", std::nullopt, "directory of the dataset's files (null: the dataset's default)")
      .add_float("val_split", 0.1, "fraction of the training set held out for validation")
      .add_int("split_seed", 42, "seed of the train/validation split");
}

}  // namespace longconv::data
