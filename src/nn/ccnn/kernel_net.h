// Kernel networks of CCNN (ckconv/nn/ck): map relative positions [1, data_dim, *grid] to kernel values
// [1, out_channels, *grid]. Every kernel net ends in `output_linear`, which CKConv's Chang initialisation rescales.
#pragma once

#include <memory>
#include <string>

#include <torch/torch.h>

#include "nn/common/activation.h"
#include "nn/common/pointwise_linear.h"
#include "util/enum_names.h"

namespace longconv::nn {

enum class KernelNetType { MAGNet, SIREN, MLP };
extern const EnumNames<KernelNetType> kKernelNetTypeNames;

struct KernelNetOptions {
  TORCH_ARG(KernelNetType, type) = KernelNetType::MAGNet;
  TORCH_ARG(int64_t, data_dim) = 1;
  TORCH_ARG(int64_t, out_channels) = 1;
  TORCH_ARG(int64_t, hidden_channels) = 32;  // kernel.no_hidden
  TORCH_ARG(int64_t, no_layers) = 3;         // kernel.no_layers
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(bool, causal) = false;              // MAGNet: where the Gabor centres mu start
  TORCH_ARG(double, omega_0) = 0.0;             // MAGNet, SIREN
  TORCH_ARG(double, init_spatial_value) = 1.0;  // MAGNet
  TORCH_ARG(double, alpha) = 6.0;               // MAGNet: Gamma(alpha / (l + 1), beta) for the Gabor widths
  TORCH_ARG(double, beta) = 1.0;
  TORCH_ARG(Activation, nonlinearity) = Activation::Identity;  // MLP (its norm is Identity, the only one it has)
};

class KernelNetImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& positions) = 0;
  PointwiseLinear output_linear{nullptr};
};

// OptionError for hidden_channels < 1, no_layers below the type's minimum (MAGNet 1, SIREN and MLP 2), data_dim
// outside 1-3 or out_channels < 1.
void validate(const KernelNetOptions& options);

// Builds the net `options.type()` names, drawing its initial values in the reference constructor's order.
std::shared_ptr<KernelNetImpl> make_kernel_net(const KernelNetOptions& options);

}  // namespace longconv::nn
