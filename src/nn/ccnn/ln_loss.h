// LnLoss (ckconv/nn/loss.py): sum of the L_p norms (not squared) of every parameter whose name lacks "Kernel", plus
// the L_p norm of the kernel every CKConv sampled in its last forward (CKConvImpl::conv_kernel). The trainer adds
// weight_decay * ln_loss(net) to the loss after the forward pass.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

torch::Tensor ln_loss(const torch::nn::Module& net, double norm_type = 2.0);

}  // namespace longconv::nn
