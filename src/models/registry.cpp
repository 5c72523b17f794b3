#include "models/registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "models/ccnn/ccnn_types.h"
#include "models/multires/multires_types.h"

namespace longconv::models {
namespace {

// The one list of model families.
const std::vector<NetType>& net_types() {
  static const std::vector<NetType> types = [] {
    std::vector<NetType> all;
    for (auto family : {multires_net_types(), ccnn_net_types()})
      for (auto& t : family) all.push_back(std::move(t));
    return all;
  }();
  return types;
}

}  // namespace

const NetType& net_type(const std::string& name) {
  for (const auto& t : net_types()) {
    if (t.name == name) return t;
  }
  throw ConfigError(fmt::format("unknown net.type '{}' (known: {})", name, fmt::join(net_type_names(), ", ")));
}

void set_checkpoint_activations(Net& net, bool on, const std::string& net_type) {
  if (net.checkpoint_activations) {
    net.checkpoint_activations(on);
    return;
  }
  if (on)
    throw ConfigError(
        fmt::format("train.checkpoint_activations: net.type '{}' has no checkpointed blocks (MultiresNet, "
                    "MultiresAR and CCNN on grids have); set it to false",
                    net_type));
}

torch::Tensor forward_batch(const Net& net, const data::Batch& batch) {
  if (net.point_forward) {
    TORCH_CHECK(batch.rel_pos.defined() && batch.sorted_indices.defined(),
                "a point-cloud net needs a point-cloud dataset (batches with rel_pos and sorted_indices)");
    return net.point_forward(batch.x, batch.rel_pos, batch.sorted_indices);
  }
  return net.forward(batch.x, batch.lengths);
}

std::vector<std::string> net_type_names() {
  std::vector<std::string> names;
  for (const auto& t : net_types()) names.push_back(t.name);
  return names;
}

}  // namespace longconv::models
