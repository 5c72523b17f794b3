// Activation modules by the torch.nn class name the reference configs use (kernel.nonlinearity, net.nonlinearity).
#pragma once

#include <torch/torch.h>

#include "util/enum_names.h"

namespace longconv::nn {

enum class Activation { Identity, ReLU, LeakyReLU, GELU, Tanh, Sigmoid, SiLU, ELU };
extern const EnumNames<Activation> kActivationNames;  // the torch.nn class names

// GELU is the exact (erf) form.
torch::nn::AnyModule make_activation(Activation activation);

}  // namespace longconv::nn
