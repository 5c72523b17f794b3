// Datasets by the config's `dataset.name`: each adds its keys to the `dataset` section and builds its splits.
#pragma once

#include <functional>
#include <string>
#include <vector>

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

// ConfigError naming the unknown name and listing the known ones.
const DatasetType& dataset_type(const std::string& name);
std::vector<std::string> dataset_type_names();

// Keys every dataset shares (name, data_dir, val_split, split_seed, ...), relative to the `dataset` section.
void add_common_dataset_keys(Schema& schema);

}  // namespace longconv::data
