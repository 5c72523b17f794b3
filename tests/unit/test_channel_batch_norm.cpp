// nn::channel_batch_norm against torch::batch_norm: float64 to rounding and float32 within float error, in training
// (output, the three gradients, the running statistics) and eval, over 1D, 2D and position-free shapes, off-centre
// input, strided input, and without a graph.
#include <gtest/gtest.h>

#include "nn/common/channel_batch_norm.h"

namespace channel_batch_norm_test {

using longconv::nn::channel_batch_norm;

constexpr double kEps = 1e-5, kMomentum = 0.1;

struct Result {
  torch::Tensor y, dx, dw, db, running_mean, running_var;
};

// Output, gradients for the upstream gradient g (with_graph), and the running statistics after one call.
Result run(bool ours, bool training, bool with_graph, const torch::Tensor& x0, const torch::Tensor& w0,
           const torch::Tensor& b0, const torch::Tensor& g) {
  const int64_t c = x0.size(1);
  auto x = x0.detach().clone().requires_grad_(with_graph);
  auto w = w0.detach().clone().requires_grad_(with_graph);
  auto b = b0.detach().clone().requires_grad_(with_graph);
  auto running_mean = torch::linspace(-1, 1, c, x0.options());
  auto running_var = torch::linspace(0.5, 2, c, x0.options());
  const auto y = ours ? channel_batch_norm(x, w, b, running_mean, running_var, training, kMomentum, kEps)
                      : torch::batch_norm(x, w, b, running_mean, running_var, training, kMomentum, kEps, false);
  if (!with_graph) return {y, torch::Tensor(), torch::Tensor(), torch::Tensor(), running_mean, running_var};
  y.backward(g);
  return {y.detach(), x.grad(), w.grad(), b.grad(), running_mean, running_var};
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, double tol, const char* what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  EXPECT_LT((a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>(), tol) << what;
}

void check_against_torch(const torch::Tensor& x, double tol) {
  const int64_t c = x.size(1);
  const auto opts = x.options();
  const auto w = torch::randn({c}, opts), b = torch::randn({c}, opts), g = torch::randn(x.sizes(), opts);
  for (const bool training : {true, false})
    for (const bool with_graph : {true, false}) {
      SCOPED_TRACE(std::string(training ? "training" : "eval") + (with_graph ? ", graph" : ", no graph"));
      torch::AutoGradMode grad_mode(with_graph);
      const auto want = run(false, training, with_graph, x, w, b, g);
      const auto got = run(true, training, with_graph, x, w, b, g);
      expect_close(got.y, want.y, tol, "y");
      expect_close(got.running_mean, want.running_mean, tol, "running_mean");
      expect_close(got.running_var, want.running_var, tol, "running_var");
      if (!with_graph) continue;
      expect_close(got.dx, want.dx, tol, "dx");
      expect_close(got.dw, want.dw, tol * x.numel() / c, "dw");
      expect_close(got.db, want.db, tol * x.numel() / c, "db");
    }
}

// Off-centre, scaled input: the two-pass variance must not lose the spread to the mean.
torch::Tensor off_centre(torch::IntArrayRef shape, torch::ScalarType dtype) {
  return torch::randn(shape, torch::TensorOptions().dtype(dtype)) * 3 + 20;
}

TEST(ChannelBatchNorm, MatchesTorchInFloat64) {
  torch::manual_seed(0);
  for (const auto& shape : std::vector<std::vector<int64_t>>{{4, 3, 37}, {3, 5, 6, 7}, {9, 4}, {2, 3, 2, 3, 4}}) {
    SCOPED_TRACE(torch::IntArrayRef(shape));
    check_against_torch(off_centre(shape, torch::kFloat64), 1e-11);
  }
}

TEST(ChannelBatchNorm, MatchesTorchInFloat32) {
  torch::manual_seed(1);
  for (const auto& shape : std::vector<std::vector<int64_t>>{{8, 6, 300}, {5, 4, 17, 9}}) {
    SCOPED_TRACE(torch::IntArrayRef(shape));
    check_against_torch(off_centre(shape, torch::kFloat32), 2e-4);
  }
}

TEST(ChannelBatchNorm, TakesStridedInput) {
  torch::manual_seed(2);
  const auto x = off_centre({6, 40, 5}, torch::kFloat64).transpose(1, 2);  // [6, 5, 40], not contiguous
  ASSERT_FALSE(x.is_contiguous());
  check_against_torch(x, 1e-11);
}

TEST(ChannelBatchNorm, RejectsOneValuePerChannelInTraining) {
  const auto x = torch::randn({1, 3, 1});
  const auto w = torch::ones({3}), b = torch::zeros({3});
  EXPECT_THROW(channel_batch_norm(x, w, b, {}, {}, /*training=*/true, kMomentum, kEps), c10::Error);
}

TEST(ChannelBatchNorm, RejectsEvalWithoutRunningStatisticsAsTorch) {
  const auto x = torch::randn({4, 3, 10});
  const auto w = torch::ones({3}), b = torch::zeros({3});
  torch::NoGradGuard no_grad;
  EXPECT_THROW(channel_batch_norm(x, w, b, {}, {}, /*training=*/false, kMomentum, kEps), c10::Error);
}

}  // namespace channel_batch_norm_test
