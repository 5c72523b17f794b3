// nn::glu against LibTorch's GLU: float32 within float rounding (its sigmoid's exp is a polynomial), float64 to
// rounding, forward and backward, along each dim, on strided input; an odd size along dim is an error.
#include <gtest/gtest.h>

#include "nn/common/glu.h"

namespace {

// Output and input gradient of glu along dim at x, LibTorch's or ours.
std::pair<torch::Tensor, torch::Tensor> value_and_grad(bool ours, const torch::Tensor& x, int64_t dim,
                                                       const torch::Tensor& g) {
  const auto xr = x.detach().clone().requires_grad_(true);
  const auto y = ours ? longconv::nn::glu(xr, dim) : torch::glu(xr, dim);
  const auto dx = torch::autograd::grad({y}, {xr}, {g})[0];
  return {y.detach(), dx};
}

void expect_matches(const torch::Tensor& x, int64_t dim, double tol) {
  auto half = x.sizes().vec();
  half[dim < 0 ? dim + x.dim() : dim] /= 2;
  const auto g = torch::randn(half, x.options());
  const auto [y_ref, dx_ref] = value_and_grad(false, x, dim, g);
  const auto [y, dx] = value_and_grad(true, x, dim, g);
  EXPECT_LT((y - y_ref).abs().max().item<double>(), tol) << "dim " << dim;
  EXPECT_LT((dx - dx_ref).abs().max().item<double>(), tol) << "dim " << dim;
}

TEST(Glu, Float32MatchesTorchGlu) {
  // Gates over [-100, 100] reach both saturated tails of the sigmoid.
  const auto x = torch::cat({torch::randn({3, 8, 500}), torch::linspace(-100, 100, 3 * 8 * 500).view({3, 8, 500})}, 1);
  for (int64_t dim : {0, 1, -1}) {
    if (x.size(dim) % 2 == 0) expect_matches(x, dim, 2e-6);
  }
}

TEST(Glu, Float64MatchesTorchGlu) {
  const auto x = torch::randn({4, 6, 10}, torch::kDouble) * 5;
  for (int64_t dim : {0, 1, 2, -2}) expect_matches(x, dim, 1e-14);
}

TEST(Glu, StridedInput) { expect_matches(torch::randn({10, 4}, torch::kDouble).t(), 1, 1e-14); }

TEST(Glu, RejectsOddSize) {
  try {
    longconv::nn::glu(torch::randn({2, 5, 3}), 1);
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("must be even, got 5"), std::string::npos)
        << e.what_without_backtrace();
  }
}

// A channel dropout's scale folded into the pass, for the mixing layers' dim -2 and for the last dim.
TEST(Glu, ChannelScaleMatchesGluTimesScale) {
  const auto scale = torch::randint(0, 2, {3, 4, 1}, torch::kDouble) / 0.9;
  for (const auto& [shape, dim] :
       std::vector<std::pair<std::vector<int64_t>, int64_t>>{{{3, 8, 50}, -2}, {{3, 4, 100}, -1}}) {
    const auto x = torch::randn(shape, torch::kDouble) * 4;
    auto half = shape;
    half[dim + 3] /= 2;
    const auto g = torch::randn(half, torch::kDouble);
    const auto [y_ref, dx_ref] = value_and_grad(false, x, dim, g * scale);
    const auto xr = x.clone().requires_grad_(true);
    const auto y = longconv::nn::glu(xr, dim, scale);
    const auto dx = torch::autograd::grad({y}, {xr}, {g})[0];
    EXPECT_LT((y - y_ref * scale).abs().max().item<double>(), 1e-14) << "dim " << dim;
    EXPECT_LT((dx - dx_ref).abs().max().item<double>(), 1e-14) << "dim " << dim;
  }
}

}  // namespace
