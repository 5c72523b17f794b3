// state_dict helpers: parameter and buffer names equal the PyTorch reference's state_dict keys.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace longconv::io {

using StateDict = std::map<std::string, torch::Tensor>;

// A module whose reference state_dict differs from its registered tensors implements this (as a second base class).
// Names are relative to the module.
class StateLayout {
 public:
  virtual ~StateLayout() = default;
  // (alias, name): the reference also saves registered tensor `name` as `alias` (a submodule registered twice, as
  // GraphBatchNorm's `bn` and `module`; registering it twice here would hand an optimizer each tensor twice).
  virtual std::vector<std::pair<std::string, std::string>> state_aliases() const { return {}; }
  // (name, value): registered buffers the reference keeps out of its state_dict, and the value a load from a file
  // without them gives them.
  virtual std::vector<std::pair<std::string, torch::Tensor>> state_defaults() const { return {}; }
};

// Parameters and buffers by their dotted names (as PyTorch's state_dict()), each StateLayout alias included.
StateDict state_dict(const torch::nn::Module& module);

// Strict load: every parameter/buffer must be present and no extra key may appear; the error lists all missing and
// unexpected keys and every shape or dtype-kind mismatch (integer or bool values for a float tensor and the like),
// prefixed by `origin` (the file). Values are copied in place (no_grad), converted to each target's dtype and device.
// A StateLayout alias may stand for its name (both present: they must be equal), and a missing StateLayout default
// takes its value.
void load_state_dict(torch::nn::Module& module, const StateDict& state, const std::string& origin);

}  // namespace longconv::io
