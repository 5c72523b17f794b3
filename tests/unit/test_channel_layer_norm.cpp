// nn::channel_layer_norm and nn::add_channel_layer_norm against torch LayerNorm between transposes (the reference's
// form): float64 to rounding and float32 within float error, forward and all four gradients, over 1D, 2D and
// position-free shapes, tiles cut short, strided input, and without a graph.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "nn/common/channel_layer_norm.h"

namespace {

using longconv::nn::add_channel_layer_norm;
using longconv::nn::channel_layer_norm;

constexpr double kEps = 1e-5;

torch::Tensor reference(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return torch::layer_norm(x.transpose(1, -1), {x.size(1)}, w, b, kEps).transpose(-1, 1);
}

struct Result {
  torch::Tensor y, dz, dh, dw, db;
};

// Output and the gradients for the upstream gradient g; with_h adds h before the norm.
Result run(bool fused, bool with_h, const torch::Tensor& z0, const torch::Tensor& h0, const torch::Tensor& w0,
           const torch::Tensor& b0, const torch::Tensor& g) {
  auto z = z0.detach().clone().requires_grad_(true);
  auto h = h0.detach().clone().requires_grad_(true);
  auto w = w0.detach().clone().requires_grad_(true);
  auto b = b0.detach().clone().requires_grad_(true);
  torch::Tensor y;
  if (fused) {
    y = with_h ? add_channel_layer_norm(z, h, w, b, kEps) : channel_layer_norm(z, w, b, kEps);
  } else {
    y = reference(with_h ? z + h : z, w, b);
  }
  y.backward(g);
  return {y.detach(), z.grad(), with_h ? h.grad() : torch::Tensor(), w.grad(), b.grad()};
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, double tol, const char* what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  EXPECT_LT((a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>(), tol) << what;
}

void check_against_reference(torch::IntArrayRef shape, torch::ScalarType dtype, double tol) {
  const auto opts = torch::TensorOptions().dtype(dtype);
  const int64_t c = shape[1];
  // Off-centre, scaled input: the two-pass variance must not lose the spread to the mean.
  const auto z = torch::randn(shape, opts) * 3 + 5;
  const auto h = torch::randn(shape, opts);
  const auto w = torch::randn({c}, opts);
  const auto b = torch::randn({c}, opts);
  const auto g = torch::randn(shape, opts);
  for (const bool with_h : {false, true}) {
    SCOPED_TRACE(with_h ? "add_channel_layer_norm" : "channel_layer_norm");
    const auto want = run(false, with_h, z, h, w, b, g);
    const auto got = run(true, with_h, z, h, w, b, g);
    expect_close(got.y, want.y, tol, "y");
    expect_close(got.dz, want.dz, tol, "dz");
    if (with_h) expect_close(got.dh, want.dh, tol, "dh");
    expect_close(got.dw, want.dw, tol * shape[0] * 10, "dweight");
    expect_close(got.db, want.db, tol * shape[0] * 10, "dbias");
  }
}

TEST(ChannelLayerNorm, Float64MatchesTorchLayerNorm1d) { check_against_reference({3, 7, 150}, torch::kDouble, 1e-12); }

TEST(ChannelLayerNorm, Float64MatchesTorchLayerNorm2d) {
  check_against_reference({2, 5, 9, 11}, torch::kDouble, 1e-12);
}

TEST(ChannelLayerNorm, Float64MatchesTorchLayerNormWithoutPositions) {
  check_against_reference({6, 16}, torch::kDouble, 1e-12);
}

TEST(ChannelLayerNorm, Float32MatchesTorchLayerNorm) { check_against_reference({4, 32, 200}, torch::kFloat, 2e-4); }

TEST(ChannelLayerNorm, StridedInput) {
  const auto z = torch::randn({2, 40, 6}, torch::kDouble).transpose(1, 2);  // [2, 6, 40], not contiguous
  const auto w = torch::randn({6}, torch::kDouble);
  const auto b = torch::randn({6}, torch::kDouble);
  expect_close(channel_layer_norm(z, w, b, kEps), reference(z, w, b), 1e-12, "strided");
}

TEST(ChannelLayerNorm, WithoutGraphMatchesWithGraph) {
  const auto z = torch::randn({2, 8, 70});
  const auto h = torch::randn({2, 8, 70});
  const auto w = torch::randn({8}).requires_grad_(true);
  const auto b = torch::randn({8}).requires_grad_(true);
  const auto z_before = z.clone(), h_before = h.clone();
  const auto with_graph = add_channel_layer_norm(z, h, w, b, kEps);
  ASSERT_TRUE(with_graph.requires_grad());
  torch::NoGradGuard no_grad;
  const auto without = add_channel_layer_norm(z, h, w, b, kEps);
  EXPECT_FALSE(without.requires_grad());
  EXPECT_TRUE(torch::equal(without, with_graph.detach()));
  // z + h lands in the output, not in an input.
  EXPECT_TRUE(torch::equal(z, z_before));
  EXPECT_TRUE(torch::equal(h, h_before));
}

TEST(ChannelLayerNorm, WeightGradientDoesNotDependOnThreads) {
  const auto shape = std::vector<int64_t>{4, 16, 300};
  const auto z = torch::randn(shape), h = torch::randn(shape), g = torch::randn(shape);
  const auto w = torch::randn({16}), b = torch::randn({16});
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const auto one = run(true, true, z, h, w, b, g);
  at::set_num_threads(2);
  const auto two = run(true, true, z, h, w, b, g);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(one.dw, two.dw));
  EXPECT_TRUE(torch::equal(one.db, two.db));
  EXPECT_TRUE(torch::equal(one.dz, two.dz));
}

TEST(ChannelLayerNorm, RejectsWeightOfAnotherSize) {
  const auto x = torch::randn({2, 4, 5});
  try {
    channel_layer_norm(x, torch::ones({3}), torch::zeros({3}), kEps);
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("weight and bias of shape [4]"), std::string::npos)
        << e.what_without_backtrace();
  }
}

}  // namespace
