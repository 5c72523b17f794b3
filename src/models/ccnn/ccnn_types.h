// The CCNN family's net types: the kernel nets alone (MAGNet, SIREN, MLP), the four continuous-kernel convs
// (CKConv, SeparableCKConv, FlexConv, SeparableFlexConv) and the CCNN ResNet ("CCNN"). They read the reference
// config's sections: net.* (in_channels/out_channels/data_dim filled from the dataset), kernel.*, mask.*, conv.*.
#pragma once

#include <vector>

#include "models/registry.h"

namespace longconv::models {

std::vector<NetType> ccnn_net_types();

}  // namespace longconv::models
