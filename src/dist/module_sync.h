// Keeping the ranks' copies of a module identical: rank 0's parameters and buffers at the start (each rank built
// and initialised its own), and, when BatchNorm normalises each rank's local batch, running statistics averaged
// over the ranks at the end of every epoch so that the evaluated (and saved) model is one model.
#pragma once

#include <torch/torch.h>

#include "dist/process_group.h"

namespace longconv::dist {

// Every parameter and buffer from rank 0.
void broadcast_module(ProcessGroup& group, torch::nn::Module& module);

// Floating-point buffers (BatchNorm's running mean and variance) replaced by their mean over the ranks.
void average_buffers(ProcessGroup& group, torch::nn::Module& module);

}  // namespace longconv::dist
