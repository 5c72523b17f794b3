#include "train/experiment.h"

#include <fmt/format.h>

#include "data/registry.h"
#include "train/run_config.h"

namespace longconv::train {

models::Net build_net(const Config& config) {
  torch::manual_seed(run_seed(config));
  const std::string type = config.get_string("net.type");
  models::Net net = models::net_type(type).build(config);
  models::set_checkpoint_activations(net, config.get_bool("train.checkpoint_activations"), type);
  return net;
}

Experiment build_experiment(Config config) {
  if (config.is_null("dataset.name"))
    throw ConfigError(fmt::format("{}: missing key 'dataset.name' (known: {})", config.origin(),
                                  fmt::join(data::dataset_type_names(), ", ")));
  Experiment e;
  e.splits = data::dataset_type(config.get_string("dataset.name")).build(config);
  // Statistics computed on the training split go into the resolved config, which training saves as the run's
  // config.yaml: eval on the run then standardises with them instead of recomputing them.
  if (!e.splits.info.channel_mean.empty()) {
    config.set_value("dataset.mean", e.splits.info.channel_mean);
    config.set_value("dataset.std", e.splits.info.channel_std);
  }
  const models::NetType& net_type = models::net_type(config.get_string("net.type"));
  if (net_type.fill_from_data) net_type.fill_from_data(config, e.splits.info);
  e.net = build_net(config);
  e.objective = make_objective(e.splits.info.task);
  e.config = std::move(config);
  return e;
}

}  // namespace longconv::train
