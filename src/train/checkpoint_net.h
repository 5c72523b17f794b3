// The net a checkpoint holds, rebuilt from the resolved config stored in it (data-dependent keys already filled, so
// no config file or dataset is needed) and loaded with its weights, on the CPU. For `longconv plot` and `export`.
#pragma once

#include <string>

#include "config/config.h"
#include "models/registry.h"
#include "train/checkpoint.h"

namespace longconv::train {

struct CheckpointNet {
  Config config;
  models::Net net;
  CheckpointInfo info;
};

// Errors name `path`: not a checkpoint, a stored config this build cannot read, weights that do not fit.
CheckpointNet load_checkpoint_net(const std::string& path);

}  // namespace longconv::train
