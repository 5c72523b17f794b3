// The CCNN net types of the registry: kernel nets alone (MAGNet, SIREN, MLP), the four continuous-kernel convs
// (CKConv, SeparableCKConv, FlexConv, SeparableFlexConv) and the CCNN ResNet ("CCNN"). They read the reference
// config's sections: net.* (with in_channels/out_channels/data_dim filled from the dataset), kernel.*, mask.*, conv.*.
#pragma once

#include <vector>

#include "config/config.h"
#include "models/registry.h"
#include "nn/ccnn/ck_conv.h"

namespace longconv::models {

std::vector<NetType> ccnn_net_types();

// The kernel.* / mask.* / conv.* sections as CKConv options for a conv of `type` (CKConv, SeparableCKConv, FlexConv,
// SeparableFlexConv) with the given channels; ConfigError naming the key for a bad value.
nn::CKConvOptions ck_conv_options(const Config& c, const std::string& type, int64_t in, int64_t out, int64_t data_dim);

}  // namespace longconv::models
