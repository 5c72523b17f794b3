#include "data/registry.h"

#include <fmt/format.h>

#include "data/mnist.h"

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

// Later datasets (CIFAR, ListOps, Speech Commands, ...) are one row each.
const std::vector<DatasetType>& table() {
  static const std::vector<DatasetType> types = {
      mnist_family("fashion_mnist", "Fashion-MNIST: 28x28 grey images of clothing, 10 classes",
                   "/usr/share/datasets/fashion-mnist", kFashionMnistMean, kFashionMnistStd),
      mnist_family("mnist", "MNIST: 28x28 grey images of digits, 10 classes", "/usr/share/datasets/mnist", kMnistMean,
                   kMnistStd),
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
