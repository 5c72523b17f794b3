// The CCNN family's point-cloud types: `net.type: CCNN` with `conv.type: SeparablePointFlexConv` builds the
// point-cloud ResNet (models/ccnn/point_ccnn.h; ccnn_types.cpp dispatches on conv.type), and `net.type:
// SeparablePointFlexConv` a point conv alone. Both take x [B, N, C] with the batch's rel_pos and sorted_indices
// (Net::point_forward).
#pragma once

#include <string>
#include <vector>

#include "models/registry.h"

namespace longconv::models {

inline constexpr const char* kPointConvType = "SeparablePointFlexConv";

// kernel.num_edges, kernel.bottleneck_factor and the conv.* keys only point convs read; every CCNN-family type
// declares them (the reference's config has them for every net).
void declare_point_conv_keys(Schema& schema);
// net.point_residual, the one net key of the point ResNet that the grid CCNN lacks.
void declare_point_ccnn_keys(Schema& schema);

// The point ResNet from the CCNN type's keys (net.norm must be BatchNorm, net.downsampling empty).
Net build_point_ccnn(const Config& config);
NetType point_conv_type();  // net.type: SeparablePointFlexConv

// State_dict names of the learned mask parameters of every point conv in `module`.
std::vector<std::string> point_mask_parameters(const torch::nn::Module& module);

}  // namespace longconv::models
