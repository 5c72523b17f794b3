// models::S4Block: its GELU path (the channel dropout and the residual add inside nn::gelu's passes) gives what the
// reference's composition of its submodules gives, with the same dropout draws, output and gradients, in training
// and eval, prenorm and postnorm, 1D and 2D.
#include <gtest/gtest.h>

#include "models/ccnn/s4_block.h"
#include "nn/common/gelu.h"

namespace s4_block_test {

namespace nn = longconv::nn;
using longconv::models::S4Block;
using longconv::models::S4BlockOptions;

S4Block block(int64_t in, int64_t out, int64_t data_dim, bool prenorm, nn::DropoutType dropout_type) {
  auto conv = nn::CKConvOptions(in, out, data_dim)
                  .separable(true)
                  .kernel(nn::KernelNetOptions().hidden_channels(8).no_layers(2).omega_0(10.0))
                  .kernel_size(data_dim == 1 ? "same" : "5")
                  .mask(nn::GaussianMaskOptions().init_value(0.3));
  return S4Block(S4BlockOptions(conv).dropout(0.4).dropout_type(dropout_type).prenorm(prenorm));
}

// The block as models/modules/s4_block.py composes it, from the block's own submodules.
torch::Tensor composed(S4Block& b, const torch::Tensor& x) {
  const torch::Tensor residual = b->shortcut->is_empty() ? x : b->shortcut->forward(x);
  const bool prenorm = b->options.prenorm();
  const torch::Tensor h = prenorm ? b->norm1.forward(x) : x;
  const auto& act = *b->nonlinears;
  torch::Tensor y =
      act[1]->as<nn::Gelu>()->forward(b->linear1(b->dp(act[0]->as<nn::Gelu>()->forward(b->conv1(h))))) + residual;
  return prenorm ? y : b->norm1.forward(y);
}

TEST(S4Block, GeluPathMatchesTheComposedBlock) {
  for (const int64_t data_dim : {1, 2})
    for (const bool prenorm : {true, false})
      for (const int64_t out : {4, 6})
        for (const bool training : {true, false}) {
          SCOPED_TRACE(::testing::Message() << "data_dim " << data_dim << " prenorm " << prenorm << " out " << out
                                            << " training " << training);
          torch::manual_seed(7);
          auto b = block(4, out, data_dim, prenorm, nn::DropoutType::Dropout2d);
          b->to(torch::kDouble);
          b->train(training);
          const auto x0 =
              data_dim == 1 ? torch::randn({3, 4, 20}, torch::kDouble) : torch::randn({3, 4, 6, 5}, torch::kDouble);
          std::vector<std::vector<torch::Tensor>> results;
          for (const bool fused : {true, false}) {
            const auto x = x0.clone().requires_grad_(true);
            torch::manual_seed(11);
            const auto y = fused ? b->forward(x) : composed(b, x);
            b->zero_grad();
            (y * y.sin()).sum().backward();
            results.push_back({y.detach(), x.grad(), b->conv1->bias.grad(), b->linear1->weight.grad()});
          }
          if (training) {  // the dropout is live: other draws give another output
            torch::manual_seed(12);
            EXPECT_FALSE(torch::allclose(composed(b, x0), results[1][0]));
          }
          for (size_t k = 0; k < results[0].size(); ++k)
            EXPECT_TRUE(torch::allclose(results[0][k], results[1][k], 1e-12, 1e-12)) << k;
        }
}

}  // namespace s4_block_test
