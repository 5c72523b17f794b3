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

torch::Tensor ours(const torch::Tensor& x) { return longconv::nn::gelu(x); }

TEST(Gelu, Float32MatchesExactGelu) {
  // Dense over [-12, 12] (both tails, the erf clamp at |x / sqrt 2| = 4, and zero) plus wide random values.
  const auto x =
      torch::cat({torch::linspace(-12, 12, 200001, torch::kDouble), torch::randn({10000}, torch::kDouble) * 30});
  const auto g = torch::randn_like(x);
  const auto [y_ref, dx_ref] = value_and_grad([](const torch::Tensor& t) { return torch::gelu(t); }, x, g);
  const auto [y, dx] = value_and_grad(ours, x.to(torch::kFloat), g.to(torch::kFloat));
  const auto scale = 1 + x.abs();
  EXPECT_LT(((y.to(torch::kDouble) - y_ref).abs() / scale).max().item<double>(), 1e-6);
  EXPECT_LT(((dx.to(torch::kDouble) - dx_ref).abs() / (1 + g.abs())).max().item<double>(), 1e-6);
}

TEST(Gelu, Float64IsExact) {
  const auto x = torch::randn({7, 33}, torch::kDouble) * 4;
  const auto g = torch::randn_like(x);
  const auto [y_ref, dx_ref] = value_and_grad([](const torch::Tensor& t) { return torch::gelu(t); }, x, g);
  const auto [y, dx] = value_and_grad(ours, x, g);
  EXPECT_LT((y - y_ref).abs().max().item<double>(), 1e-14);
  EXPECT_LT((dx - dx_ref).abs().max().item<double>(), 1e-14);
}

TEST(Gelu, StridedInput) {
  const auto x = torch::randn({16, 9}, torch::kDouble).t();
  const auto g = torch::randn_like(x);
  const auto [y_ref, dx_ref] = value_and_grad([](const torch::Tensor& t) { return torch::gelu(t); }, x, g);
  const auto [y, dx] = value_and_grad(ours, x, g);
  EXPECT_LT((y - y_ref).abs().max().item<double>(), 1e-14);
  EXPECT_LT((dx - dx_ref).abs().max().item<double>(), 1e-14);
}

// A channel dropout's scale folded into the pass: gelu(x) * scale, and its gradient, on [B, C, *] of both dtypes.
TEST(Gelu, ChannelScaleMatchesGeluTimesScale) {
  for (const auto dtype : {torch::kDouble, torch::kFloat}) {
    const auto x = torch::randn({3, 4, 7, 5}, dtype) * 3;
    const auto scale = torch::randint(0, 2, {3, 4, 1}, dtype) / 0.9;
    const auto g = torch::randn_like(x);
    const auto [y_ref, dx_ref] =
        value_and_grad([&](const torch::Tensor& t) { return longconv::nn::gelu(t) * scale.unsqueeze(-1); }, x, g);
    const auto [y, dx] = value_and_grad(
        [&](const torch::Tensor& t) {
          return longconv::nn::gelu(t, scale.view({3, 4, 1}));
        },
        x, g);
    const double tol = dtype == torch::kDouble ? 1e-14 : 1e-6;
    EXPECT_LT((y - y_ref).abs().max().item<double>(), tol);
    EXPECT_LT((dx - dx_ref).abs().max().item<double>(), tol);
  }
}

// The CCNN block's skip connection folded in: gelu(x) * scale + r, and the gradients of x and r, with and without a
// scale.
TEST(Gelu, ResidualMatchesGeluPlusResidual) {
  for (const auto dtype : {torch::kDouble, torch::kFloat})
    for (const bool scaled : {false, true}) {
      const auto x = torch::randn({3, 4, 9}, dtype) * 3;
      const auto scale = scaled ? torch::randint(0, 2, {3, 4, 1}, dtype) / 0.9 : torch::Tensor();
      const auto g = torch::randn_like(x);
      const auto run = [&](bool fused) {
        const auto xr = x.clone().requires_grad_(true);
        const auto r = x.flip(-1).clone().requires_grad_(true);
        const auto y = fused ? longconv::nn::gelu(xr, scale, r)
                             : (scaled ? longconv::nn::gelu(xr) * scale : longconv::nn::gelu(xr)) + r;
        y.backward(g);
        return std::vector<torch::Tensor>{y.detach(), xr.grad(), r.grad()};
      };
      const auto want = run(false), got = run(true);
      const double tol = dtype == torch::kDouble ? 1e-14 : 1e-6;
      for (size_t k = 0; k < want.size(); ++k) EXPECT_LT((got[k] - want[k]).abs().max().item<double>(), tol) << k;
    }
}

TEST(Gelu, RejectsResidualOfAnotherShape) {
  EXPECT_THROW(longconv::nn::gelu(torch::randn({2, 3, 4}), {}, torch::randn({2, 3, 5})), c10::Error);
}

TEST(Gelu, RejectsChannelScaleOfAnotherShape) {
  try {
    longconv::nn::gelu(torch::randn({2, 3, 4}), torch::ones({2, 4, 1}));
    FAIL() << "expected an error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("must have shape [B, C, 1], got [2, 4, 1]"),
              std::string::npos)
        << e.what_without_backtrace();
  }
}

}  // namespace
