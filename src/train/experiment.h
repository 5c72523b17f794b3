// Everything a run config describes, built: the dataset's splits, the net (data-dependent keys filled in), the
// objective of the dataset's task. Shared by `longconv train`, `eval` and `info`.
#pragma once

#include <memory>

#include "config/config.h"
#include "data/dataset.h"
#include "models/registry.h"
#include "train/objective.h"

namespace longconv::train {

struct Experiment {
  Config config;  // resolved, with the net's data-dependent keys filled from the dataset
  data::Splits splits;
  models::Net net;
  std::unique_ptr<Objective> objective;
};

// Seeds torch with `seed`, then builds the module that net.type names from the config as it is.
models::Net build_net(const Config& config);

// Requires dataset.name. Seeds torch with `seed` right before building the net, so initialization depends only on
// the config.
Experiment build_experiment(Config config);

}  // namespace longconv::train
