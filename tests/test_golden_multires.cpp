// Every MultiresLayer and MultiresNet golden case (official code's outputs and gradients), in float32 and float64,
// with modules built through the registry from the recorded constructor arguments.
#include <gtest/gtest.h>

#include "config/config.h"
#include "golden.h"
#include "models/registry.h"

namespace {

using longconv::test::close_to;

const std::vector<std::string> kCases = {
    "layer_fading_k2_L100",   "layer_fading_k2_L64",       "layer_fading_k3_L50",
    "layer_fading_k4_depth5_indep", "layer_uniform_k2_m12", "layer_uniform_k3_m20",
    "layer_uniform_k3_m40_depth3",  "layer_wavelet_coif1",  "layer_wavelet_db2",
    "layer_wavelet_db4",      "layer_wavelet_haar",        "layer_wavelet_sym3",
    "net_cls_embedding_batchnorm_eval", "net_cls_embedding_batchnorm_train", "net_cls_linear_layernorm"};

// The reference constructor's arguments become net.* keys one to one.
longconv::Config net_config(const std::string& type, const nlohmann::json& ctor) {
  auto resolve = [](const YAML::Node& raw) {
    longconv::Schema schema, net;
    schema.add_string("net.type", std::nullopt, "module type");
    longconv::models::net_type(raw["net"]["type"].as<std::string>()).schema(net);
    return schema.merge("net", net);
  };
  return longconv::Config::parse("{}", "golden ctor", longconv::test::ctor_overrides(type, ctor), resolve);
}

void run_case(const std::string& name, torch::Dtype dtype) {
  const auto c = longconv::test::load_golden("multires", name);
  const auto tol = longconv::test::multires_tolerances(name);
  const bool f64 = dtype == torch::kFloat64;
  const double tol_out = f64 ? tol.f64_out : tol.f32_out;
  const double tol_grad = f64 ? tol.f64_grad : tol.f32_grad;
  const std::string type = longconv::test::multires_net_type(c);

  auto net = longconv::models::net_type(type).build(net_config(type, c.config["ctor"]));
  if (c.has("wavelet.dec_lo")) {
    // The wavelet init itself must give exactly the reference's h0 = dec_lo[::-1], h1 = dec_hi[::-1] (float32).
    const auto fresh = longconv::io::state_dict(*net.module);
    EXPECT_TRUE(torch::equal(fresh.at("h0"), c.at("param.h0"))) << name;
    EXPECT_TRUE(torch::equal(fresh.at("h1"), c.at("param.h1"))) << name;
  }
  auto state = c.with_prefix("param.");
  state.merge(c.with_prefix("buffer."));
  longconv::io::load_state_dict(*net.module, state, name);
  net.module->to(dtype);
  net.module->train(c.config["mode"] == "train");

  auto x = c.at("input.x");
  if (x.is_floating_point()) x = x.to(dtype).requires_grad_();
  const auto lengths = c.has("input.lengths") ? c.at("input.lengths") : torch::Tensor();
  const auto y = net.forward(x, lengths);
  EXPECT_EQ(y.scalar_type(), dtype);
  EXPECT_TRUE(close_to(name + " output.y", y, c.at("output64.y"), tol_out));

  (y * c.at("input.grad_weights").to(dtype)).sum().backward();
  if (x.is_floating_point()) EXPECT_TRUE(close_to(name + " grad.x", x.grad(), c.at("grad64.x"), tol_grad));
  int checked = 0;
  for (const auto& p : net.module->named_parameters()) {
    EXPECT_TRUE(close_to(name + " grad." + p.key(), p.value().grad(), c.at("grad64.param." + p.key()), tol_grad));
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(c.with_prefix("grad64.param.").size()));
  for (const auto& [key, expected] : c.with_prefix("output64.buffer.")) {
    const auto actual = net.module->named_buffers()[key];
    if (expected.is_floating_point()) {
      EXPECT_TRUE(close_to(name + " buffer " + key, actual, expected, tol_out));
    } else {
      EXPECT_TRUE(torch::equal(actual.to(torch::kLong), expected)) << name << " buffer " << key;
    }
  }
}

class GoldenMultires : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenMultires, Float32) { run_case(GetParam(), torch::kFloat32); }
TEST_P(GoldenMultires, Float64) { run_case(GetParam(), torch::kFloat64); }

INSTANTIATE_TEST_SUITE_P(Cases, GoldenMultires, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param; });

// A case added to the golden directory must be added here too, not silently skipped.
TEST(GoldenMultiresCoverage, EveryLayerAndNetCaseIsListed) {
  auto names = longconv::test::golden_case_names("multires", "layer_");
  const auto nets = longconv::test::golden_case_names("multires", "net_");
  names.insert(names.end(), nets.begin(), nets.end());
  auto expected = kCases;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
}

}  // namespace
