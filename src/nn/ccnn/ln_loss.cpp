#include "nn/ccnn/ln_loss.h"

#include "nn/ccnn/ck_conv.h"

namespace longconv::nn {

torch::Tensor ln_loss(const torch::nn::Module& net, double norm_type) {
  torch::Tensor loss;
  const auto add = [&](const torch::Tensor& t) {
    const auto n = t.norm(norm_type);
    loss = loss.defined() ? loss + n : n;
  };
  for (const auto& p : net.named_parameters(/*recurse=*/true))
    if (p.key().find("Kernel") == std::string::npos) add(p.value());
  for (const auto& m : net.modules(/*include_self=*/true)) {
    if (const auto* conv = dynamic_cast<const CKConvImpl*>(m.get())) {
      TORCH_CHECK(conv->conv_kernel.defined(), "LnLoss needs a forward pass first: a CKConv has no sampled kernel");
      add(conv->conv_kernel);
    }
  }
  return loss.defined() ? loss : torch::zeros({});
}

}  // namespace longconv::nn
