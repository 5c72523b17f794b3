// The fused MultiresConv kernel against the reference algorithm in LibTorch ops (float64, forward and every gradient).
#include <gtest/gtest.h>

#include "nn/multires/multires_conv.h"

using longconv::nn::MixPlan;
using longconv::nn::TreeSelect;

namespace {

struct Case {
  TreeSelect select;
  int64_t depth, kernel_size, memory_size, length;
};

// tolerance: of the largest error, relative to max(1, the largest reference value).
void expect_fused_matches_aten(const Case& c, torch::ScalarType dtype = torch::kFloat64, double tolerance = 1e-12) {
  torch::manual_seed(7);
  const MixPlan plan = longconv::nn::make_mix_plan(c.select, c.depth, c.kernel_size, c.memory_size);
  const int64_t b = 3, ch = 5;
  auto opts = torch::TensorOptions().dtype(dtype).requires_grad(true);
  auto x = torch::randn({b, ch, c.length}, opts);
  auto h0 = torch::randn({ch, 1, c.kernel_size}, opts);
  auto h1 = torch::randn({ch, 1, c.kernel_size}, opts);
  auto w = torch::randn({ch, plan.columns()}, opts);
  auto gy = torch::randn({b, ch, c.length}, dtype);

  auto run = [&](auto fn) {
    auto y = fn(x, h0, h1, w, plan);
    auto grads = torch::autograd::grad({(y * gy).sum()}, {x, h0, h1, w});
    grads.insert(grads.begin(), y.detach());
    return grads;
  };
  const auto fused = run(longconv::nn::multires_conv);
  const auto ref = run(longconv::nn::multires_conv_aten);
  const char* names[] = {"y", "grad x", "grad h0", "grad h1", "grad w"};
  for (size_t i = 0; i < ref.size(); ++i) {
    const double err = (fused[i] - ref[i]).abs().max().item<double>();
    const double scale = std::max(1.0, ref[i].abs().max().item<double>());
    EXPECT_LE(err, tolerance * scale) << names[i] << " depth " << c.depth << " k " << c.kernel_size;
  }
}

}  // namespace

TEST(MultiresConv, FadingMatchesReferenceAlgorithm) {
  for (int64_t k : {2, 3, 4}) {
    for (int64_t depth : {1, 3, 6}) expect_fused_matches_aten({TreeSelect::Fading, depth, k, 0, 50});
  }
}

// The paper's depth at L 1024: taps reach 2^9 positions back, past the row's start for most outputs.
TEST(MultiresConv, FadingFloat32MatchesReferenceAlgorithm) {
  for (int64_t k : {2, 4}) expect_fused_matches_aten({TreeSelect::Fading, 10, k, 0, 1024}, torch::kFloat, 1e-4);
}

TEST(MultiresConv, UniformMatchesReferenceAlgorithm) {
  for (int64_t k : {2, 3}) {
    for (int64_t mem : {2, 5, 12, 40}) expect_fused_matches_aten({TreeSelect::Uniform, 5, k, mem, 64});
  }
}

TEST(MultiresConv, ReceptiveFieldLongerThanSequence) { expect_fused_matches_aten({TreeSelect::Fading, 8, 3, 0, 20}); }

TEST(MultiresConv, IsCausal) {
  const MixPlan plan = longconv::nn::make_mix_plan(TreeSelect::Fading, 4, 2, 0);
  auto x = torch::randn({1, 2, 30});
  auto h0 = torch::randn({2, 1, 2}), h1 = torch::randn({2, 1, 2}), w = torch::randn({2, plan.columns()});
  auto y = longconv::nn::multires_conv(x, h0, h1, w, plan);
  auto x2 = x.clone();
  x2.narrow(2, 20, 10).normal_();
  auto y2 = longconv::nn::multires_conv(x2, h0, h1, w, plan);
  EXPECT_TRUE(torch::equal(y.narrow(2, 0, 20), y2.narrow(2, 0, 20)));
  EXPECT_FALSE(torch::equal(y.narrow(2, 20, 10), y2.narrow(2, 20, 10)));
}

TEST(MultiresConv, UniformPlanFollowsReferenceWindows) {
  // seq_len 64, k 3, memory 20 (a golden case): windows of 1, 3, 7 steps, then the rest (8) of the memory.
  const MixPlan plan = longconv::nn::make_mix_plan(TreeSelect::Uniform, 6, 3, 20);
  EXPECT_EQ(plan.hi[5].width, 1);
  EXPECT_EQ(plan.hi[5].dilation, 1);
  EXPECT_EQ(plan.hi[4].col, 2);
  EXPECT_EQ(plan.hi[4].width, 3);
  EXPECT_EQ(plan.hi[4].dilation, 32);
  EXPECT_EQ(plan.hi[3].width, 7);
  EXPECT_EQ(plan.hi[3].dilation, 16);
  EXPECT_EQ(plan.hi[2].col, 12);
  EXPECT_EQ(plan.hi[2].width, 8);
  EXPECT_EQ(plan.hi[1].width, 0);
  EXPECT_EQ(plan.columns(), 21);
}

TEST(MultiresConv, RejectsBadShapes) {
  const MixPlan plan = longconv::nn::make_mix_plan(TreeSelect::Fading, 3, 2, 0);
  auto h = torch::randn({4, 1, 2});
  EXPECT_THROW(longconv::nn::multires_conv(torch::randn({2, 4}), h, h, torch::randn({4, 5}), plan), c10::Error);
  EXPECT_THROW(longconv::nn::multires_conv(torch::randn({2, 4, 9}), h, h, torch::randn({4, 6}), plan), c10::Error);
  EXPECT_THROW(longconv::nn::make_mix_plan(TreeSelect::Uniform, 3, 2, 1), c10::Error);
}

// Filters on another device than x (here LibTorch's data-less meta device) go to the ATen path, which says so,
// instead of the CPU kernel reading their data.
TEST(MultiresConv, FiltersOnAnotherDeviceAreAnError) {
  const MixPlan plan = longconv::nn::make_mix_plan(TreeSelect::Fading, 3, 2, 0);
  const auto x = torch::randn({2, 4, 9});
  const auto h = torch::randn({4, 1, 2});
  const auto w = torch::randn({4, 5});
  const auto meta = torch::empty({4, 1, 2}, torch::TensorOptions().device(torch::kMeta));
  EXPECT_THROW(longconv::nn::multires_conv(x, meta, h, w, plan), c10::Error);
  EXPECT_THROW(longconv::nn::multires_conv(x, h, meta, w, plan), c10::Error);
  EXPECT_THROW(longconv::nn::multires_conv(x, h, h, torch::empty({4, 5}, torch::kMeta), plan), c10::Error);
}
