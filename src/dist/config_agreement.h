// Every rank of a run must train the same resolved config: one started with another override would silently
// train a different model on its share of the data.
#pragma once

#include <string>

#include "dist/process_group.h"

namespace longconv::dist {

// Exchanges each rank's resolved YAML through the store; when any differs from rank 0's, throws on every rank a
// std::runtime_error naming the ranks and the differing keys.
void check_same_config(ProcessGroup& group, const std::string& config_yaml);

}  // namespace longconv::dist
