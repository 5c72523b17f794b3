// Activation checkpointing (torch.utils.checkpoint, reentrant): a block runs without keeping its activations for
// backward, and the backward pass runs it again to get them. Memory: the block's input instead of everything inside
// it; time: one more forward of the block per step.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include <torch/torch.h>

namespace longconv::nn {

using BlockFn = std::function<torch::Tensor(const torch::Tensor&)>;

// fn(x), where fn uses the parameters and buffers of `modules` (and no other tensor that needs a gradient). The
// backward reruns fn with the dropout draws of the forward (the default generator of x's device is saved and
// restored) and puts the modules' buffers back afterwards (BatchNorm's running statistics move once per step, as
// without checkpointing), so gradients and training match the plain fn(x). Outside grad mode it is fn(x).
torch::Tensor checkpoint(const std::vector<std::shared_ptr<torch::nn::Module>>& modules, BlockFn fn,
                         const torch::Tensor& x);

// True while checkpoint() runs a block's first forward, the one without grad. A tensor the block hands out to be read
// after the forward (CKConv's sampled kernel, which LnLoss adds to the loss) must keep its graph all the same.
bool in_checkpointed_forward();

}  // namespace longconv::nn
