#include "nn/common/activation.h"

#include <stdexcept>

#include "nn/common/gelu.h"

namespace longconv::nn {

torch::nn::AnyModule make_activation(const std::string& name, const std::string& key) {
  if (name == "Identity") return torch::nn::AnyModule(torch::nn::Identity());
  if (name == "ReLU") return torch::nn::AnyModule(torch::nn::ReLU());
  if (name == "LeakyReLU") return torch::nn::AnyModule(torch::nn::LeakyReLU());
  if (name == "GELU") return torch::nn::AnyModule(Gelu());
  if (name == "Tanh") return torch::nn::AnyModule(torch::nn::Tanh());
  if (name == "Sigmoid") return torch::nn::AnyModule(torch::nn::Sigmoid());
  if (name == "SiLU") return torch::nn::AnyModule(torch::nn::SiLU());
  if (name == "ELU") return torch::nn::AnyModule(torch::nn::ELU());
  throw std::runtime_error(key + ": unknown nonlinearity '" + name +
                           "' (known: Identity, ReLU, LeakyReLU, GELU, Tanh, Sigmoid, SiLU, ELU)");
}

}  // namespace longconv::nn
