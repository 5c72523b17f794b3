#include <gtest/gtest.h>

#include <string>

#include "models/ccnn/ccnn_resnet.h"
#include "models/multires/multires_net.h"
#include "nn/ccnn/ln_loss.h"
#include "nn/common/activation_checkpoint.h"
#include "support/helpers.h"
#include "support/temp_dir.h"
#include "train/experiment.h"
#include "train/run_config.h"

namespace {

using longconv::models::CCNN;
using longconv::models::MultiresNet;
using longconv::models::MultiresNetOptions;
using longconv::models::ResidualStackOptions;

struct Step {
  std::vector<torch::Tensor> grads, buffers;
  torch::Tensor x_grad, next_draw;
};

// The gradients and buffers of `net` after a backward pass that reached x.
Step collect(const torch::nn::Module& net, const torch::Tensor& x) {
  Step s;
  for (const auto& p : net.parameters()) s.grads.push_back(p.grad().clone());
  for (const auto& b : net.buffers()) s.buffers.push_back(b.clone());
  s.x_grad = x.grad().clone();
  s.next_draw = torch::rand({4}, torch::kFloat64);  // the generator is where the plain step left it
  return s;
}

// One training forward+backward of a seeded MultiresNet with dropout (and BatchNorm when `batchnorm`).
Step train_step(bool checkpointed, bool batchnorm) {
  torch::manual_seed(5);
  MultiresNet net(MultiresNetOptions(2).d_output(3).stack(
      ResidualStackOptions().d_model(6).n_layers(3).dropout(0.3).batchnorm(batchnorm).max_length(16)));
  net->to(torch::kFloat64);
  net->blocks.checkpoint_activations = checkpointed;
  net->train();
  auto x = torch::randn({4, 2, 16}, torch::dtype(torch::kFloat64).requires_grad(true));
  (net->forward(x) * torch::arange(3, torch::kFloat64)).sum().backward();
  return collect(*net, x);
}

void expect_same_step(const Step& plain, const Step& checkpointed) {
  ASSERT_EQ(plain.grads.size(), checkpointed.grads.size());
  for (size_t i = 0; i < plain.grads.size(); ++i)
    EXPECT_TRUE(torch::allclose(plain.grads[i], checkpointed.grads[i], 1e-10, 1e-12)) << "parameter " << i;
  ASSERT_EQ(plain.buffers.size(), checkpointed.buffers.size());
  for (size_t i = 0; i < plain.buffers.size(); ++i)
    EXPECT_TRUE(torch::allclose(plain.buffers[i], checkpointed.buffers[i], 1e-10, 1e-12)) << "buffer " << i;
  EXPECT_TRUE(torch::allclose(plain.x_grad, checkpointed.x_grad, 1e-10, 1e-12));
  EXPECT_TRUE(torch::equal(plain.next_draw, checkpointed.next_draw));
}

void expect_same_step(bool batchnorm) { expect_same_step(train_step(false, batchnorm), train_step(true, batchnorm)); }

// A CCNN built from a config (causal FlexConv by FFT, BatchNorm, Dropout2d), one step of the trainer's loss:
// cross-entropy plus LnLoss, which reads the kernels the convs sampled in the forward.
Step ccnn_step(bool checkpointed) {
  const longconv::test::TempDir dir;
  longconv::test::write_file(
      dir.file("c.yaml"),
      "net:\n  type: CCNN\n  in_channels: 2\n  out_channels: 3\n  data_dim: 1\n  no_hidden: 6\n  no_blocks: 2\n"
      "  dropout: 0.3\n  dropout_type: Dropout2d\n  norm: BatchNorm\nkernel:\n  type: MAGNet\n  no_hidden: 8\n"
      "  no_layers: 2\n  omega_0: 30\n  bias: true\nmask:\n  type: gaussian\n  init_value: 0.3\nconv:\n  type: "
      "SeparableFlexConv\n  causal: true\n"
      "  use_fft: true\n  path: fft\ntrain:\n  checkpoint_activations: " +
          std::string(checkpointed ? "true" : "false") + "\n");
  torch::manual_seed(5);
  const auto net = longconv::train::build_net(longconv::train::load_run_config(dir.file("c.yaml"), {}));
  net.module->to(torch::kFloat64);
  net.module->train();
  auto x = torch::randn({4, 2, 16}, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto logits = net.module->as<CCNN>()->forward(x);
  // Cross-entropy: a loss linear in the logits would give the layers before out_norm (BatchNorm) no gradient.
  const auto targets = torch::tensor({0, 2, 1, 2}, torch::kLong);
  (torch::nn::functional::cross_entropy(logits, targets) + 0.1 * longconv::nn::ln_loss(*net.module)).backward();
  return collect(*net.module, x);
}

}  // namespace

// The recompute must see the forward's dropout masks: otherwise the gradients belong to another network.
TEST(ActivationCheckpoint, MultiresNetGradientsMatchWithDropout) { expect_same_step(/*batchnorm=*/false); }

// The stem and the blocks recomputed, and LnLoss's gradient through the sampled kernels kept (they are sampled in
// the block's no-grad forward).
TEST(ActivationCheckpoint, CCNNGradientsMatchWithLnLoss) {
  const Step plain = ccnn_step(false);
  ASSERT_FALSE(plain.buffers.empty());
  expect_same_step(plain, ccnn_step(true));
}

// BatchNorm's running statistics move once per step, not once more for the recompute.
TEST(ActivationCheckpoint, BatchNormRunningStatisticsMoveOnce) {
  const Step plain = train_step(false, true);
  ASSERT_FALSE(plain.buffers.empty());
  expect_same_step(/*batchnorm=*/true);
}

// An input that needs no gradient (raw data into the first block) must still give the parameters theirs.
TEST(ActivationCheckpoint, ParametersGetGradientsWhenTheInputNeedsNone) {
  torch::nn::Linear linear(3, 2);
  const auto x = torch::randn({5, 3});
  longconv::nn::checkpoint(
      {linear.ptr()}, [&](const torch::Tensor& v) { return torch::tanh(linear(v)); }, x)
      .sum()
      .backward();
  const auto w_grad = linear->weight.grad().clone();
  linear->weight.mutable_grad().reset();
  torch::tanh(linear(x)).sum().backward();
  EXPECT_TRUE(torch::allclose(w_grad, linear->weight.grad()));
}

// Outside grad mode nothing is saved and the block runs once.
TEST(ActivationCheckpoint, NoGradRunsTheBlockOnce) {
  torch::nn::Linear linear(3, 2);
  int calls = 0;
  torch::NoGradGuard no_grad;
  const auto y = longconv::nn::checkpoint(
      {linear.ptr()},
      [&](const torch::Tensor& v) {
        ++calls;
        return linear(v);
      },
      torch::randn({2, 3}));
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(y.requires_grad());
}

// The key is only for nets with checkpointed blocks; elsewhere it fails instead of doing nothing.
TEST(ActivationCheckpoint, ConfigKeyRejectedForNetsWithoutBlocks) {
  const longconv::test::TempDir dir;
  longconv::test::write_file(
      dir.file("c.yaml"),
      "net:\n  type: MAGNet\n  out_channels: 2\n  data_dim: 1\nkernel:\n  type: MAGNet\n  no_hidden: 4\n"
      "  no_layers: 2\ntrain:\n  checkpoint_activations: true\n");
  const auto config = longconv::train::load_run_config(dir.file("c.yaml"), {});
  EXPECT_NE(longconv::test::error_of([&] {
              longconv::train::build_net(config);
            }).find("train.checkpoint_activations: net.type 'MAGNet' has no checkpointed blocks"),
            std::string::npos);
}

// MultiresNet from a config: the key reaches the blocks.
TEST(ActivationCheckpoint, ConfigKeyReachesMultiresBlocks) {
  const longconv::test::TempDir dir;
  longconv::test::write_file(dir.file("c.yaml"),
                             "net:\n  type: MultiresNet\n  d_model: 4\n  n_layers: 2\n  d_input: 1\n  d_output: 2\n"
                             "  max_length: 8\ntrain:\n  checkpoint_activations: true\n");
  const auto net = longconv::train::build_net(longconv::train::load_run_config(dir.file("c.yaml"), {}));
  EXPECT_TRUE(net.module->as<MultiresNet>()->blocks.checkpoint_activations);
}
