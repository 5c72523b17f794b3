#include "nn/ccnn/graph_linear.h"

namespace longconv::nn {

GraphLinearImpl::GraphLinearImpl(int64_t in_channels, int64_t out_channels) {
  TORCH_CHECK(in_channels >= 1 && out_channels >= 1, "GraphLinear needs channels >= 1, got ", in_channels, " -> ",
              out_channels);
  lin = register_module("lin", torch::nn::Linear(in_channels, out_channels));
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_normal_(lin->weight);
  lin->bias.fill_(0.0);
}

}  // namespace longconv::nn
