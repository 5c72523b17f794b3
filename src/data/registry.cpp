#include "data/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "data/datasets/adding_problem.h"
#include "data/datasets/cifar.h"
#include "data/datasets/copy_memory.h"
#include "data/datasets/folder.h"
#include "data/datasets/listops.h"
#include "data/datasets/mnist.h"
#include "data/datasets/modelnet.h"
#include "data/datasets/pathfinder.h"
#include "data/datasets/point_solids.h"
#include "data/datasets/ptbxl.h"
#include "data/datasets/speech_commands.h"
#include "data/datasets/stl10.h"
#include "data/datasets/tensors.h"
#include "data/datasets/ucr.h"
#include "data/datasets/voxel_solids.h"

namespace longconv::data {
namespace {

// The one list of datasets.
const std::vector<DatasetType>& table() {
  static const std::vector<DatasetType> types = {
      fashion_mnist_dataset_type(), mnist_dataset_type(),
      cifar10_dataset_type(),       cifar100_dataset_type(),
      listops_dataset_type(),       pathfinder_dataset_type(),
      stl10_dataset_type(),         speech_commands_dataset_type(),
      ptbxl_dataset_type(),         voxel_solids_dataset_type(),
      copy_memory_dataset_type(),   adding_problem_dataset_type(),
      modelnet_dataset_type(),      point_solids_dataset_type(),
      tensors_dataset_type(),       folder_dataset_type(),
      ucr_dataset_type(),
  };
  return types;
}

}  // namespace

Bindings<SplitOptions> split_bindings() {
  return Bindings<SplitOptions>()
      .bind("val_split", &SplitOptions::val_split, "fraction of the training set held out for validation", kValSplit)
      .bind("split_seed", &SplitOptions::split_seed, "seed of the train/validation split")
      .validate([](const SplitOptions& o) { validate(o); });
}

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

void add_common_dataset_keys(Schema& s) { s.add_string("name", std::nullopt, "dataset", dataset_type_names()); }

}  // namespace longconv::data
