#include "nn/common/activation.h"

#include "nn/common/gelu.h"

namespace longconv::nn {

const EnumNames<Activation> kActivationNames = {{"Identity", Activation::Identity},   {"ReLU", Activation::ReLU},
                                                {"LeakyReLU", Activation::LeakyReLU}, {"GELU", Activation::GELU},
                                                {"Tanh", Activation::Tanh},           {"Sigmoid", Activation::Sigmoid},
                                                {"SiLU", Activation::SiLU},           {"ELU", Activation::ELU}};

torch::nn::AnyModule make_activation(Activation activation) {
  switch (activation) {
    case Activation::Identity:
      return torch::nn::AnyModule(torch::nn::Identity());
    case Activation::ReLU:
      return torch::nn::AnyModule(torch::nn::ReLU());
    case Activation::LeakyReLU:
      return torch::nn::AnyModule(torch::nn::LeakyReLU());
    case Activation::GELU:
      return torch::nn::AnyModule(Gelu());
    case Activation::Tanh:
      return torch::nn::AnyModule(torch::nn::Tanh());
    case Activation::Sigmoid:
      return torch::nn::AnyModule(torch::nn::Sigmoid());
    case Activation::SiLU:
      return torch::nn::AnyModule(torch::nn::SiLU());
    case Activation::ELU:
      return torch::nn::AnyModule(torch::nn::ELU());
  }
  TORCH_CHECK(false, "make_activation: value out of range");
}

}  // namespace longconv::nn
