#include "config/config_differences.h"

#include <set>

#include <fmt/format.h>

namespace longconv {

std::vector<std::string> config_differences(const YAML::Node& a, const YAML::Node& b, const std::string& prefix) {
  std::vector<std::string> out;
  if (a.IsMap() && b.IsMap()) {
    std::set<std::string> keys;
    for (const auto& kv : a) keys.insert(kv.first.as<std::string>());
    for (const auto& kv : b) keys.insert(kv.first.as<std::string>());
    for (const auto& key : keys) {
      auto sub = config_differences(a[key], b[key], prefix.empty() ? key : prefix + "." + key);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  } else {
    const std::string before = YAML::Dump(a), after = YAML::Dump(b);
    if (before != after) out.push_back(fmt::format("{}: {} -> {}", prefix, before, after));
  }
  return out;
}

}  // namespace longconv
