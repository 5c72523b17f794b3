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

std::vector<std::string> net_type_names() {
  std::vector<std::string> names;
  for (const auto& t : net_types()) names.push_back(t.name);
  return names;
}

}  // namespace longconv::models
