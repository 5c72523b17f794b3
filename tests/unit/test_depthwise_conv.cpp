// nn::depthwise_conv against LibTorch's grouped convolution (float64): output, grad_x and grad_kernel, for causal
// and centred pads in 1D, 2D and 3D, including kernels longer than the input, lengths that are not a multiple of
// the kernel's register block, and row counts that leave rows after the last block; and float32 within float
// tolerance.
#include <gtest/gtest.h>

#include "nn/ccnn/depthwise_conv.h"

namespace {

struct Case {
  std::vector<int64_t> x, k, left;  // x [B, C, *S], kernel [C, *K]
};

// The same correlation through torch::convNd with groups = C on x zero-padded by left / K - 1 - left.
torch::Tensor grouped_conv(const torch::Tensor& x, const torch::Tensor& kernel, const std::vector<int64_t>& left) {
  const int64_t d = x.dim() - 2;
  std::vector<int64_t> pad;
  for (int64_t i = d - 1; i >= 0; --i) pad.insert(pad.end(), {left[i], kernel.size(1 + i) - 1 - left[i]});
  const auto xp = torch::constant_pad_nd(x, pad);
  const auto w = kernel.unsqueeze(1);
  const int64_t groups = x.size(1);
  const torch::Tensor no_bias;
  if (d == 1) return torch::conv1d(xp, w, no_bias, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, groups);
  if (d == 2) return torch::conv2d(xp, w, no_bias, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, groups);
  return torch::conv3d(xp, w, no_bias, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, groups);
}

// Output and the gradients of x and kernel of sum(y * weight).
std::vector<torch::Tensor> run(const torch::Tensor& x, const torch::Tensor& kernel, const torch::Tensor& weight,
                               const torch::Tensor& y) {
  const auto grads = torch::autograd::grad({(y * weight).sum()}, {x, kernel});
  return {y.detach(), grads[0], grads[1]};
}

const std::vector<Case> kCases = {
    {{2, 3, 100}, {3, 9}, {8}},                   // causal 1D
    {{2, 3, 100}, {3, 9}, {4}},                   // centred 1D
    {{3, 2, 37}, {2, 63}, {62}},                  // causal, kernel longer than the input
    {{1, 4, 200}, {4, 1}, {0}},                   // one tap
    {{2, 3, 12, 10}, {3, 5, 7}, {2, 3}},          // centred 2D
    {{2, 2, 9, 11}, {2, 33, 33}, {16, 16}},       // 2D, kernel longer than the input
    {{1, 2, 6, 7, 5}, {2, 3, 5, 3}, {1, 2, 1}},   // 3D
    {{2, 2, 32, 32}, {2, 33, 33}, {16, 16}},      // 2D CIFAR-10's shape: rows of two vectors, four rows a block
    {{1, 2, 7, 150}, {2, 3, 5}, {1, 2}},          // 2D rows longer than one block of registers
    {{2, 1, 13, 20}, {1, 4, 3}, {0, 1}},          // 2D, rows left over after the last full block
    {{1, 2, 4, 6, 40}, {2, 3, 3, 7}, {1, 1, 3}},  // 3D, blocks across planes
};

TEST(DepthwiseConv, MatchesGroupedConvolutionFloat64) {
  torch::manual_seed(0);
  for (const auto& c : kCases) {
    const auto x = torch::randn(c.x, torch::kFloat64).requires_grad_(true);
    const auto k = torch::randn(c.k, torch::kFloat64).requires_grad_(true);
    const auto expected_y = grouped_conv(x, k, c.left);
    const auto weight = torch::randn_like(expected_y);
    const auto expected = run(x, k, weight, expected_y);
    const auto got = run(x, k, weight, longconv::nn::depthwise_conv(x, k, c.left));
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].sizes(), expected[i].sizes());
      EXPECT_LT((got[i] - expected[i]).abs().max().item<double>(), 1e-10)
          << "x " << c10::IntArrayRef(c.x) << " kernel " << c10::IntArrayRef(c.k) << " output/grad " << i;
    }
  }
}

TEST(DepthwiseConv, Float32MatchesFloat64) {
  torch::manual_seed(1);
  for (const auto& c : kCases) {
    const auto x = torch::randn(c.x, torch::kFloat64);
    const auto k = torch::randn(c.k, torch::kFloat64);
    const auto weight = torch::randn(c.x, torch::kFloat64);
    const auto x64 = x.clone().requires_grad_(true), k64 = k.clone().requires_grad_(true);
    const auto x32 = x.to(torch::kFloat).requires_grad_(true), k32 = k.to(torch::kFloat).requires_grad_(true);
    const auto exact = run(x64, k64, weight, longconv::nn::depthwise_conv(x64, k64, c.left));
    const auto got = run(x32, k32, weight.to(torch::kFloat), longconv::nn::depthwise_conv(x32, k32, c.left));
    for (size_t i = 0; i < got.size(); ++i) {
      const double scale = exact[i].abs().max().item<double>();
      EXPECT_LT((got[i].to(torch::kFloat64) - exact[i]).abs().max().item<double>(), 1e-5 * scale)
          << "x " << c10::IntArrayRef(c.x) << " output/grad " << i;
    }
  }
}

TEST(DepthwiseConv, RejectsBadShapesNamingThem) {
  const auto x = torch::randn({2, 3, 10});
  EXPECT_THROW(longconv::nn::depthwise_conv(x, torch::randn({4, 3}), {1}), c10::Error);  // 4 channels for 3
  EXPECT_THROW(longconv::nn::depthwise_conv(x, torch::randn({3, 3}), {3}), c10::Error);  // pad outside [0, 3)
  EXPECT_THROW(longconv::nn::depthwise_conv(torch::randn({2, 3, 0}), torch::randn({3, 3}), {1}), c10::Error);
  try {
    longconv::nn::depthwise_conv(x, torch::randn({3, 3}, torch::kFloat64), {1});
    FAIL() << "mixed dtypes accepted";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Float and Double"), std::string::npos) << e.what();
  }
}

}  // namespace
