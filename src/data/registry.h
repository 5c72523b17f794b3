// Datasets by the config's `dataset.name`. Each dataset file exports its DatasetType next to its options (its keys
// bound once, see config/binding.h); registry.cpp holds the one list of them.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "config/binding.h"
#include "config/config.h"
#include "data/dataset.h"

namespace longconv::data {

struct DatasetType {
  std::string name;
  std::string help;
  // Adds the dataset's own keys, relative to the `dataset` section ("layout", not "dataset.layout").
  std::function<void(Schema&)> schema;
  // Builds train/val/test from the resolved config; errors name the missing or malformed file.
  std::function<Splits(const Config&)> build;
};

// A DatasetType whose keys are `bindings` (relative to `dataset`) and whose splits `make` builds from the options.
template <typename Opts>
DatasetType bound_dataset_type(std::string name, std::string help, Bindings<Opts> bindings,
                               std::function<Splits(const Opts&)> make) {
  return {std::move(name), std::move(help), [bindings](Schema& s) { bindings.declare(s); },
          [bindings, make](const Config& c) { return make(bindings.parse(c, "dataset")); }};
}

// val_split and split_seed, for the datasets that hold a validation split out of their training set.
Bindings<SplitOptions> split_bindings();

// ConfigError naming the unknown name and listing the known ones.
const DatasetType& dataset_type(const std::string& name);
std::vector<std::string> dataset_type_names();

// The `dataset` section's own key (`name`); each type adds the rest.
void add_common_dataset_keys(Schema& schema);

}  // namespace longconv::data
