// The optimizer of a run: AdamW or Adam over parameter groups, the first holding every parameter outside the net's
// named groups (models::Net::param_groups), then one group per named group with its own learning-rate ratio.
#pragma once

#include <memory>
#include <vector>

#include <torch/torch.h>

#include "models/registry.h"
#include "train/trainer.h"

namespace longconv::train {

struct RunOptimizer {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<double> lr_ratios;  // per param group: its lr is the schedule's lr times this
};

// Errors: a group naming an unknown or already grouped parameter, a ratio for a group the net does not have (unless
// the ratio is 1, so configs may state the default), an unknown optimizer or weight_decay_type.
RunOptimizer make_optimizer(const TrainerOptions& options, const models::Net& net);

}  // namespace longconv::train
