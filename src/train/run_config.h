// The run config of `longconv train/eval/info/forward`: the top-level keys (seed, threads, device), the keys of the
// chosen net.type, the `dataset` section of the chosen dataset.name, and the `train`, `optimizer` and `scheduler`
// sections, each bound once (config/binding.h).
#pragma once

#include <string>
#include <vector>

#include <torch/torch.h>
#include <yaml-cpp/yaml.h>

#include "config/config.h"
#include "train/trainer.h"

namespace longconv::train {

// Schema for the raw (merged) tree: net.type is required (ConfigError listing the known types when missing or
// unknown); dataset.name is optional here (forward needs no dataset) and, when given, adds its dataset's keys.
Schema run_schema(const YAML::Node& raw);

Config load_run_config(const std::string& path, const std::vector<std::string>& overrides);

// `device`: cpu, or cuda when available (else an error saying so).
torch::Device run_device(const Config& config);

// The intra-op thread count (`threads`, 0: all cores).
int run_threads(const Config& config);

// `seed`: of the model's initialization, dropout and shuffling.
uint64_t run_seed(const Config& config);

// The trainer's options from the `train`, `optimizer`, `scheduler`, `seed` and `device` keys and the net type's
// parameter-group ratios; a value out of range is a ConfigError naming the key, the value and where it was set.
TrainerOptions trainer_options(const Config& config);

}  // namespace longconv::train
