// nn::gelu against LibTorch's exact GELU: float32 within float rounding (its erf and exp are approximations), float64
// exact, forward and backward, on contiguous and strided input.
#include <gtest/gtest.h>

#include "nn/common/gelu.h"

namespace {

// Output and input gradient (for the upstream gradient g) of f at x.
std::pair<torch::Tensor, torch::Tensor> value_and_grad(const std::function<torch::Tensor(const torch::Tensor&)>& f,
                                                       const torch::Tensor& x, const torch::Tensor& g) {
  const auto xr = x.detach().clone().requires_grad_(true);
  const auto y = f(xr);
  const auto dx = torch::autograd::grad({y}, {xr}, {g})[0];
  return {y.detach(), dx};
}

TEST(Gelu, Float32MatchesExactGelu) {
  // Dense over [-12, 12] (both tails, the erf clamp at |x / sqrt 2| = 4, and zero) plus wide random values.
  const auto x =
      torch::cat({torch::linspace(-12, 12, 200001, torch::kDouble), torch::randn({10000}, torch::kDouble) * 30});
  const auto g = torch::randn_like(x);
  const auto [y_ref, dx_ref] = value_and_grad([](const torch::Tensor& t) { return torch::gelu(t); }, x, g);
  const auto [y, dx] = value_and_grad(longconv::nn::gelu, x.to(torch::kFloat), g.to(torch::kFloat));
  const auto scale = 1 + x.abs();
  EXPECT_LT(((y.to(torch::kDouble) - y_ref).abs() / scale).max().item<double>(), 1e-6);
  EXPECT_LT(((dx.to(torch::kDouble) - dx_ref).abs() / (1 + g.abs())).max().item<double>(), 1e-6);
}

TEST(Gelu, Float64IsExact) {
  const auto x = torch::randn({7, 33}, torch::kDouble) * 4;
  const auto g = torch::randn_like(x);
  const auto [y_ref, dx_ref] = value_and_grad([](const torch::Tensor& t) { return torch::gelu(t); }, x, g);
  const auto [y, dx] = value_and_grad(longconv::nn::gelu, x, g);
  EXPECT_LT((y - y_ref).abs().max().item<double>(), 1e-14);
  EXPECT_LT((dx - dx_ref).abs().max().item<double>(), 1e-14);
}

TEST(Gelu, StridedInput) {
  const auto x = torch::randn({16, 9}, torch::kDouble).t();
  const auto g = torch::randn_like(x);
  const auto [y_ref, dx_ref] = value_and_grad([](const torch::Tensor& t) { return torch::gelu(t); }, x, g);
  const auto [y, dx] = value_and_grad(longconv::nn::gelu, x, g);
  EXPECT_LT((y - y_ref).abs().max().item<double>(), 1e-14);
  EXPECT_LT((dx - dx_ref).abs().max().item<double>(), 1e-14);
}

}  // namespace
