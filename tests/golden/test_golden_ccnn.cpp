// Every CCNN golden case (official code's outputs, gradients, sampled kernels, LnLoss, state), in float32 and
// float64, under both ways of using a case: (a) load the weights after the recorded forward (param.*/buffer.*) and
// reproduce output.y / grad.* / aux.*conv_kernel / output.ln_reg; (b) load the state before it (init.*), whose first
// forward must give output.y and leave the state equal to param.*/buffer.* (Chang scaling, train_length, initialized,
// BatchNorm running stats in train mode).
#include <gtest/gtest.h>

#include "config/config.h"
#include "models/registry.h"
#include "nn/ccnn/ck_conv.h"
#include "nn/ccnn/ln_loss.h"
#include "support/golden.h"
#include "train/run_config.h"

namespace {

using longconv::test::close_scaled;

const std::vector<std::string> kCases = {"ccnn1d_s4_L196_eval",
                                         "ccnn1d_s4_L196_train",
                                         "ccnn1d_s4_L784_eval",
                                         "ccnn1d_trained_L196",
                                         "ccnn1d_trained_L392",
                                         "ccnn2d_s4_16_eval",
                                         "ccnn2d_trained_res16",
                                         "ccnn2d_trained_res32",
                                         "ckconv1d_causal_fft_oddN",
                                         "ckconv1d_causal_spatial",
                                         "flexconv1d_causal_fft",
                                         "flexconv1d_causal_spatial",
                                         "kernelnet_magnet1d_causal",
                                         "kernelnet_magnet2d",
                                         "kernelnet_mlp1d",
                                         "kernelnet_siren1d",
                                         "sepflexconv1d_causal_fft",
                                         "sepflexconv1d_causal_fft_oddN",
                                         "sepflexconv1d_causal_spatial",
                                         "sepflexconv2d_k33_crop",
                                         "sepflexconv2d_k33_nocrop"};

constexpr double kF64Tol = 1e-8;

longconv::Config case_config(const longconv::test::GoldenCase& c) {
  return longconv::Config::parse("{}", c.name, longconv::test::ccnn_case_overrides(c), longconv::train::run_schema);
}

double max_abs(const torch::Tensor& t) { return t.numel() ? t.abs().max().item<double>() : 0.0; }

struct Run {
  longconv::models::Net net;
  torch::Tensor x, y;
};

// Builds the case's module in `dtype`, loads the state under `prefix` ("" or "init."), runs the recorded forward.
Run forward(const longconv::test::GoldenCase& c, torch::Dtype dtype, const std::string& prefix) {
  Run r{longconv::models::net_type(case_config(c).get_string("net.type")).build(case_config(c)), {}, {}};
  r.net.module->to(dtype);
  auto state = c.with_prefix(prefix + "param.");
  state.merge(c.with_prefix(prefix + "buffer."));
  longconv::io::load_state_dict(*r.net.module, state, c.name);
  r.net.module->train(c.config["mode"] == "train");
  const bool f64 = dtype == torch::kFloat64;
  r.x = (f64 && c.has("input64.x") ? c.at("input64.x") : c.at("input.x")).to(dtype).requires_grad_();
  r.y = r.net.forward(r.x, {});
  return r;
}

// (a) the weights after the recorded forward.
void check_loaded(const std::string& name, torch::Dtype dtype) {
  const auto c = longconv::test::load_golden("ccnn", name);
  const auto tol = longconv::test::ccnn_tolerances(name);
  const bool f64 = dtype == torch::kFloat64;
  Run r = forward(c, dtype, "");
  EXPECT_EQ(r.y.scalar_type(), dtype);
  const auto& y64 = c.at("output64.y");
  EXPECT_TRUE(close_scaled(name + " output.y", r.y, y64, f64 ? kF64Tol : tol.out, max_abs(y64)));

  if (c.has("output64.ln_reg")) {
    const auto ln = longconv::nn::ln_loss(*r.net.module);
    const auto& ref = c.at("output64.ln_reg");
    EXPECT_TRUE(close_scaled(name + " ln_reg", ln, ref, f64 ? kF64Tol : tol.out, max_abs(ref)));
    const auto ce = torch::nn::functional::cross_entropy(r.y, c.at("input.labels"));
    // The loss moves by about the logits' error: scaled like the output.
    EXPECT_TRUE(close_scaled(name + " ce_loss", ce, c.at("output64.ce_loss"), f64 ? kF64Tol : tol.out, max_abs(y64)));
  }
  int kernels = 0;
  for (const auto& m : r.net.module->named_modules()) {
    const auto* conv = dynamic_cast<const longconv::nn::CKConvImpl*>(m.value().get());
    if (!conv) continue;
    const auto key = m.key().empty() ? "aux.conv_kernel" : "aux." + m.key() + ".conv_kernel";
    const auto& ref = c.at(key);
    // aux.* are float32 kernels carrying MAGNet's float32 sin error (~1e-3, CASES.md), in a float64 run too: checked
    // at the parameter-gradient tolerance, the loosest of the case.
    EXPECT_TRUE(close_scaled(name + " " + key, conv->conv_kernel, ref, tol.grad_param, max_abs(ref)));
    ++kernels;
  }
  EXPECT_EQ(kernels, static_cast<int>(c.with_prefix("aux.").size()));

  (r.y * c.at("input.grad_weights").to(dtype)).sum().backward();
  // Compared with the float64 reference in both precisions (the float32 tolerances cover the float32 error).
  const std::string g = "grad64.";
  EXPECT_TRUE(
      close_scaled(name + " grad.x", r.x.grad(), c.at(g + "x"), f64 ? kF64Tol : tol.grad_x, max_abs(c.at(g + "x"))));
  // Each parameter against its own scale, floored at 1e-3 of the largest (some gradients are mathematically 0).
  const auto grads = c.with_prefix(g + "param.");
  double largest = 0;
  for (const auto& [key, t] : grads) largest = std::max(largest, max_abs(t));
  int checked = 0;
  for (const auto& p : r.net.module->named_parameters()) {
    const auto& ref = c.at(g + "param." + p.key());
    const double scale = std::max(max_abs(ref), 1e-3 * largest);
    EXPECT_TRUE(close_scaled(name + " grad." + p.key(), p.value().grad(), ref, f64 ? kF64Tol : tol.grad_param, scale));
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(grads.size()));
}

// (b) the state before the recorded forward.
void check_fresh(const std::string& name, torch::Dtype dtype) {
  const auto c = longconv::test::load_golden("ccnn", name);
  const auto tol = longconv::test::ccnn_tolerances(name);
  const bool f64 = dtype == torch::kFloat64;
  Run r = forward(c, dtype, "init.");
  const auto& y64 = c.at("output64.y");
  // In float64 the Chang factor is applied in float64, while output64 was computed from the float32-scaled weights:
  // a relative difference of ~1e-7.
  EXPECT_TRUE(close_scaled(name + " fresh output.y", r.y, y64, f64 ? 1e-6 : tol.out, max_abs(y64)));
  auto expected = c.with_prefix("param.");
  expected.merge(c.with_prefix("buffer."));
  const auto state = longconv::io::state_dict(*r.net.module);
  EXPECT_EQ(state.size(), expected.size());
  for (const auto& [key, ref] : expected) {
    const auto it = state.find(key);
    ASSERT_NE(it, state.end()) << name << ": no state " << key;
    if (ref.is_floating_point()) {
      // param.*/buffer.* are the float32 reference state: BatchNorm running stats in train mode carry its float32
      // batch-statistics error, so the float32 output tolerance applies in both precisions.
      EXPECT_TRUE(close_scaled(name + " state " + key, it->second, ref, tol.out, std::max(max_abs(ref), 1e-6)));
    } else {
      EXPECT_TRUE(torch::equal(it->second.to(torch::kLong), ref)) << name << " state " << key;
    }
  }
}

class GoldenCcnn : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCcnn, LoadedFloat32) { check_loaded(GetParam(), torch::kFloat32); }
TEST_P(GoldenCcnn, LoadedFloat64) { check_loaded(GetParam(), torch::kFloat64); }
TEST_P(GoldenCcnn, FreshFloat32) { check_fresh(GetParam(), torch::kFloat32); }
TEST_P(GoldenCcnn, FreshFloat64) { check_fresh(GetParam(), torch::kFloat64); }

INSTANTIATE_TEST_SUITE_P(Cases, GoldenCcnn, ::testing::ValuesIn(kCases), [](const auto& info) { return info.param; });

// A case added to the golden directory must be added here too, not silently skipped.
TEST(GoldenCcnnCoverage, EveryCaseIsListed) {
  auto expected = kCases;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(longconv::test::golden_case_names("ccnn", ""), expected);
}

}  // namespace
