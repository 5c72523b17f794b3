#include "dist/config_agreement.h"

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "config/config_differences.h"

namespace longconv::dist {

void check_same_config(ProcessGroup& group, const std::string& config_yaml) {
  const std::vector<std::string> all = group.allgather_bytes("config", config_yaml);
  std::vector<std::string> problems;
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r] == all[0]) continue;
    problems.push_back(fmt::format("rank {} differs from rank 0 in {}", r,
                                   fmt::join(config_differences(YAML::Load(all[0]), YAML::Load(all[r])), "; ")));
  }
  if (!problems.empty())
    throw std::runtime_error(fmt::format("rank {}: the ranks were started with different configs (rank 0 -> other): {}",
                                         group.rank(), fmt::join(problems, " | ")));
}

}  // namespace longconv::dist
