// nn::BatchNorm: torch's BatchNorm1d/2d/3d when not synchronised (outputs, gradients, running statistics, state_dict
// names). Synchronised over ranks: tests/unit/test_dist.cpp.
#include <gtest/gtest.h>

#include "nn/common/batch_norm.h"

using namespace longconv;

TEST(BatchNorm, MatchesTorchBatchNormWithTheSameNames) {
  for (const int64_t data_dim : {1, 2, 3}) {
    std::vector<int64_t> shape{6, 3};
    for (int64_t d = 0; d < data_dim; ++d) shape.push_back(4);
    torch::manual_seed(1);
    const torch::Tensor x = torch::randn(shape, torch::kFloat64);
    nn::BatchNorm ours(3);
    torch::nn::AnyModule theirs = data_dim == 1   ? torch::nn::AnyModule(torch::nn::BatchNorm1d(3))
                                  : data_dim == 2 ? torch::nn::AnyModule(torch::nn::BatchNorm2d(3))
                                                  : torch::nn::AnyModule(torch::nn::BatchNorm3d(3));
    ours->to(torch::kFloat64);
    theirs.ptr()->to(torch::kFloat64);
    {
      torch::NoGradGuard no_grad;
      ours->weight.copy_(torch::tensor({0.5, 1.5, -1.0}));
      ours->bias.copy_(torch::tensor({0.1, 0.0, 0.3}));
      theirs.ptr()->named_parameters()["weight"].copy_(ours->weight);
      theirs.ptr()->named_parameters()["bias"].copy_(ours->bias);
    }
    const auto xa = x.clone().requires_grad_(), xb = x.clone().requires_grad_();
    const auto ya = ours(xa), yb = theirs.forward(xb);
    EXPECT_TRUE(torch::allclose(ya, yb, 1e-12, 1e-12)) << data_dim;
    (ya * torch::sin(ya)).sum().backward();
    (yb * torch::sin(yb)).sum().backward();
    EXPECT_TRUE(torch::allclose(xa.grad(), xb.grad(), 1e-12, 1e-12)) << data_dim;
    EXPECT_TRUE(torch::allclose(ours->weight.grad(), theirs.ptr()->named_parameters()["weight"].grad(), 1e-12, 1e-12));
    const auto ours_state = ours->named_buffers(), theirs_state = theirs.ptr()->named_buffers();
    for (const auto& name : {"running_mean", "running_var", "num_batches_tracked"})
      EXPECT_TRUE(torch::allclose(ours_state[name].to(torch::kFloat64), theirs_state[name].to(torch::kFloat64)))
          << name;
  }
}
