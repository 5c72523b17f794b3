// The optimizer of a run: AdamW or Adam over parameter groups, the first holding every parameter outside the net's
// named groups (models::Net::param_groups), then one group per named group with its own learning-rate ratio.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "models/registry.h"
#include "util/enum_names.h"

namespace longconv::train {

enum class OptimizerName { AdamW, Adam };
extern const EnumNames<OptimizerName> kOptimizerNames;  // AdamW, Adam

// optimizer: the optimizer's own decay (decoupled for AdamW, L2 for Adam); ln_loss: the reference CCNN's scheme,
// weight_decay * net.regularizer() added to the training loss and no decay in the optimizer.
enum class WeightDecayType { Optimizer, LnLoss };
extern const EnumNames<WeightDecayType> kWeightDecayTypeNames;  // optimizer, ln_loss

struct OptimizerOptions {
  OptimizerName name = OptimizerName::AdamW;
  double lr = 1e-2;  // peak learning rate (the schedule's base)
  double weight_decay = 1e-2;
  WeightDecayType weight_decay_type = WeightDecayType::Optimizer;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  std::map<std::string, double> group_lr_ratios;  // lr ratio per models::Net::param_groups name, e.g. {"mask", 0.1}
};
// OptionError: lr or eps <= 0, weight_decay < 0, betas outside [0, 1), a negative group ratio.
void validate(const OptimizerOptions& options);

struct RunOptimizer {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<double> lr_ratios;  // per param group: its lr is the schedule's lr times this
};

// Errors: a group naming an unknown or already grouped parameter, a ratio for a group the net does not have (unless
// the ratio is 1, so configs may state the default).
RunOptimizer make_optimizer(const OptimizerOptions& options, const models::Net& net);

}  // namespace longconv::train
