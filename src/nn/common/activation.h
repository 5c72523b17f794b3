// Activation modules by the torch.nn class name the reference configs use (kernel.nonlinearity, net.nonlinearity).
#pragma once

#include <string>

#include <torch/torch.h>

namespace longconv::nn {

// Identity, ReLU, LeakyReLU, GELU (exact), Tanh, Sigmoid, SiLU, ELU. `key` names the config key in the error.
torch::nn::AnyModule make_activation(const std::string& name, const std::string& key);

}  // namespace longconv::nn
