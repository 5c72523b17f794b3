// The MultiresNet family's net types: MultiresLayer (one layer alone), MultiresNet (classification.py) and
// MultiresAR (autoregressive.py). Their `net` keys are the reference constructors' argument names and defaults.
#pragma once

#include <vector>

#include "models/registry.h"

namespace longconv::models {

std::vector<NetType> multires_net_types();

}  // namespace longconv::models
