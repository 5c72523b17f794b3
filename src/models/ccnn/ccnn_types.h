// The CCNN family's net types: the kernel nets alone (MAGNet, SIREN, MLP), the four continuous-kernel convs
// (CKConv, SeparableCKConv, FlexConv, SeparableFlexConv) and the CCNN ResNet ("CCNN"). They read the reference
// config's sections: net.* (in_channels/out_channels/data_dim filled from the dataset), kernel.*, mask.*, conv.*.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "config/binding.h"
#include "models/registry.h"
#include "nn/ccnn/ck_conv.h"

namespace longconv::models {

std::vector<NetType> ccnn_net_types();

// The sections every CCNN-family type shares, for the point-cloud types (models/ccnn/point_types.h).
Bindings<nn::KernelNetOptions> kernel_bindings();   // kernel.* that the kernel nets read
Bindings<nn::CKConvOptions> conv_bindings();        // kernel.size, kernel.chang_initialize and conv.* of a grid conv
Bindings<nn::GaussianMaskOptions> mask_bindings();  // mask.*
void add_reference_only_keys(Schema& schema);       // reference config keys no CCNN-family type reads
void declare_lone_ccnn_sections(Schema& schema);    // a lone conv's kernel, conv and mask sections and conv.type
void fill_io_from_data(Config& config, const data::DatasetInfo& info);  // net.in_channels, out_channels, data_dim
extern const ParamGroupType kMaskGroup;  // optimizer.mask_lr_ratio for the learned mask parameters
// LnLoss as the regularizer and the mask parameters of the module's CKConvs and point convs as the "mask" group.
Net with_training_hooks(std::shared_ptr<torch::nn::Module> module,
                        std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)> forward);

}  // namespace longconv::models
