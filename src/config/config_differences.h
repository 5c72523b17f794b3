// The leaves in which two resolved configs differ, for messages: resuming with a changed config, ranks of a
// distributed run that were started with different ones.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace longconv {

// "key: old -> new" for every leaf that differs between `a` and `b` (dotted keys, sorted).
std::vector<std::string> config_differences(const YAML::Node& a, const YAML::Node& b, const std::string& prefix = "");

}  // namespace longconv
