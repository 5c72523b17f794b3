// MLP kernel net (ckconv/nn/ck/mlp.py): input_layers [Linear, Norm, Nonlinearity], (no_layers - 2) hidden
// [Linear, Norm, Nonlinearity] groups, output_linear. Norm: Identity only (the reference configs' only value).
#pragma once

#include "nn/ccnn/kernel_net.h"

namespace longconv::nn {

class MLPImpl : public KernelNetImpl {
 public:
  explicit MLPImpl(const KernelNetOptions& options);
  torch::Tensor forward(const torch::Tensor& positions) override;

  torch::nn::Sequential input_layers{nullptr}, hidden_layers{nullptr};
};

}  // namespace longconv::nn
