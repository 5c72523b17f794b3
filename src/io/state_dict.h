// state_dict helpers: parameter and buffer names equal the PyTorch reference's state_dict keys.
#pragma once

#include <map>
#include <string>

#include <torch/torch.h>

namespace longconv::io {

using StateDict = std::map<std::string, torch::Tensor>;

// Parameters and buffers by their dotted names (as PyTorch's state_dict()).
StateDict state_dict(const torch::nn::Module& module);

// Strict load: every parameter/buffer must be present and no extra key may appear; the error lists all missing and
// unexpected keys and every shape or dtype-kind mismatch (integer or bool values for a float tensor and the like),
// prefixed by `origin` (the file). Values are copied in place (no_grad), converted to each target's dtype and device.
void load_state_dict(torch::nn::Module& module, const StateDict& state, const std::string& origin);

}  // namespace longconv::io
