#include "train/optimizer.h"

#include <map>
#include <set>

#include "util/option_check.h"

namespace longconv::train {
namespace {

std::unique_ptr<torch::optim::Optimizer> build(const OptimizerOptions& o,
                                               std::vector<torch::optim::OptimizerParamGroup> groups) {
  // ln_loss puts the decay into the loss, so the optimizer must not decay again (the reference passes 0).
  const double decay = o.weight_decay_type == WeightDecayType::LnLoss ? 0.0 : o.weight_decay;
  if (o.name == OptimizerName::AdamW)
    return std::make_unique<torch::optim::AdamW>(
        std::move(groups), torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(decay));
  return std::make_unique<torch::optim::Adam>(
      std::move(groups), torch::optim::AdamOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(decay));
}

}  // namespace

const EnumNames<OptimizerName> kOptimizerNames = {{"AdamW", OptimizerName::AdamW}, {"Adam", OptimizerName::Adam}};
const EnumNames<WeightDecayType> kWeightDecayTypeNames = {{"optimizer", WeightDecayType::Optimizer},
                                                          {"ln_loss", WeightDecayType::LnLoss}};

void validate(const OptimizerOptions& o) {
  check_option(o.lr, above(0), "OptimizerOptions::lr");
  check_option(o.weight_decay, at_least(0), "OptimizerOptions::weight_decay");
  check_option(o.beta1, in_half_open(0, 1), "OptimizerOptions::beta1");
  check_option(o.beta2, in_half_open(0, 1), "OptimizerOptions::beta2");
  check_option(o.eps, above(0), "OptimizerOptions::eps");
  for (const auto& [group, ratio] : o.group_lr_ratios)
    check_option(ratio, at_least(0), ("OptimizerOptions::group_lr_ratios[" + group + "]").c_str());
}

RunOptimizer make_optimizer(const OptimizerOptions& o, const models::Net& net) {
  validate(o);
  for (const auto& [group, ratio] : o.group_lr_ratios)
    TORCH_CHECK(ratio == 1.0 || net.param_groups.count(group), "the ", group, " parameters' lr ratio is ", ratio,
                " but the net has no '", group, "' parameters");

  const auto named = net.module->named_parameters();
  std::set<std::string> grouped;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::vector<double> ratios;
  std::vector<std::vector<torch::Tensor>> named_groups;
  for (const auto& [group, names] : net.param_groups) {
    std::vector<torch::Tensor> params;
    for (const auto& name : names) {
      const torch::Tensor* p = named.find(name);
      TORCH_CHECK(p, "parameter group '", group, "' names '", name, "', which is not a parameter of the net");
      TORCH_CHECK(grouped.insert(name).second, "parameter '", name, "' is in two parameter groups");
      params.push_back(*p);
    }
    named_groups.push_back(std::move(params));
    const auto ratio = o.group_lr_ratios.find(group);
    ratios.push_back(ratio == o.group_lr_ratios.end() ? 1.0 : ratio->second);
  }
  std::vector<torch::Tensor> rest;
  for (const auto& item : named)
    if (!grouped.count(item.key())) rest.push_back(item.value());

  groups.emplace_back(std::move(rest));
  for (auto& params : named_groups) groups.emplace_back(std::move(params));
  ratios.insert(ratios.begin(), 1.0);
  return {build(o, std::move(groups)), std::move(ratios)};
}

}  // namespace longconv::train
