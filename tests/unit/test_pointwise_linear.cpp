// nn::PointwiseLinear against LibTorch's 1x1 convolution (the reference's Linear1d/2d/3d): output and the gradients of
// input, weight and bias, through both CPU paths: per-example GEMMs spread over the threads (batch >= threads) and one
// batched product (fewer examples than threads).
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include "nn/common/pointwise_linear.h"

namespace {

torch::Tensor conv(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  if (x.dim() == 3) return torch::conv1d(x, w, b);
  if (x.dim() == 4) return torch::conv2d(x, w, b);
  return torch::conv3d(x, w, b);
}

// Output, then the gradients of x, weight and (when there is one) bias, for the upstream gradient g.
std::vector<torch::Tensor> value_and_grads(const torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& w,
                                           const torch::Tensor& b, const torch::Tensor& g) {
  std::vector<torch::Tensor> inputs{x, w};
  if (b.defined()) inputs.push_back(b);
  auto out = torch::autograd::grad({y}, inputs, {g});
  out.insert(out.begin(), y.detach());
  return out;
}

void expect_matches_conv(const std::vector<int64_t>& x_shape, int64_t out, bool with_bias, int threads,
                         torch::Dtype dtype, double tolerance) {
  const int previous = at::get_num_threads();
  at::set_num_threads(threads);
  const int64_t d = static_cast<int64_t>(x_shape.size()) - 2;
  longconv::nn::PointwiseLinear layer(x_shape[1], out, d, with_bias);
  layer->to(dtype);
  const auto x = torch::randn(x_shape, dtype).requires_grad_(true);
  auto y_shape = x_shape;
  y_shape[1] = out;
  const auto g = torch::randn(y_shape, dtype);
  const auto ours = value_and_grads(layer(x), x, layer->weight, layer->bias, g);
  at::set_num_threads(previous);

  const auto w = layer->weight.detach().clone().requires_grad_(true);
  const auto b = with_bias ? layer->bias.detach().clone().requires_grad_(true) : torch::Tensor();
  const auto ref = value_and_grads(conv(x, w, b), x, w, b, g);
  ASSERT_EQ(ours.size(), ref.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    ASSERT_EQ(ours[i].sizes(), ref[i].sizes()) << "item " << i;
    EXPECT_LT((ours[i] - ref[i]).abs().max().item<double>(), tolerance * (1 + ref[i].abs().max().item<double>()))
        << "item " << i << " (0 output, 1 grad x, 2 grad weight, 3 grad bias)";
  }
}

TEST(PointwiseLinear, PerExampleGemms1d) { expect_matches_conv({6, 5, 7}, 4, true, 2, torch::kDouble, 1e-12); }

TEST(PointwiseLinear, PerExampleGemms2dWithoutBias) {
  expect_matches_conv({5, 3, 4, 6}, 8, false, 2, torch::kDouble, 1e-12);
}

TEST(PointwiseLinear, PerExampleGemmsOneThread) { expect_matches_conv({3, 4, 9}, 2, true, 1, torch::kDouble, 1e-12); }

TEST(PointwiseLinear, BatchedProductWithFewerExamplesThanThreads) {
  expect_matches_conv({1, 3, 2, 3, 4}, 5, true, 2, torch::kDouble, 1e-12);
}

TEST(PointwiseLinear, Float32) { expect_matches_conv({8, 140, 50}, 140, true, 2, torch::kFloat, 1e-5); }

TEST(PointwiseLinear, RejectsWrongChannels) {
  longconv::nn::PointwiseLinear layer(3, 4, 1);
  try {
    layer(torch::randn({2, 5, 7}));
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[2, 5, 7]"), std::string::npos) << e.what();
  }
}

// Both CPU paths: two examples on one thread (per-example GEMMs) and on three (fewer examples than threads: one
// batched product).
TEST(PointwiseLinear, ParametersOnAnotherDeviceOrDtypeAreAnError) {
  const int previous = at::get_num_threads();
  for (const int threads : {1, 3}) {
    at::set_num_threads(threads);
    longconv::nn::PointwiseLinear layer(3, 4, 1);
    layer->bias = torch::empty({4}, torch::TensorOptions().device(torch::kMeta));
    try {
      layer(torch::randn({2, 3, 7}));
      ADD_FAILURE() << "expected an error for a meta bias, threads " << threads;
    } catch (const c10::Error& e) {
      EXPECT_NE(std::string(e.what()).find("bias is Float on meta"), std::string::npos) << e.what();
    }
    longconv::nn::PointwiseLinear float_layer(3, 4, 1);
    try {
      float_layer(torch::randn({2, 3, 7}, torch::kDouble));
      ADD_FAILURE() << "expected an error for a float layer on double input, threads " << threads;
    } catch (const c10::Error& e) {
      EXPECT_NE(std::string(e.what()).find("weight is Float on cpu but the input is Double on cpu"), std::string::npos)
          << e.what();
    }
  }
  at::set_num_threads(previous);
}

}  // namespace
