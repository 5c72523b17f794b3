// Every MultiresLayer, MultiresNet and MultiresAR golden case (official code's outputs and gradients), in float32 and
// float64, with modules built through the registry from the recorded constructor arguments; and the discretized
// logistic mixture's loss and samplers on their own.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "config/config.h"
#include "models/registry.h"
#include "nn/multires/discretized_mix_logistic.h"
#include "support/golden.h"
#include "train/run_config.h"

namespace {

using longconv::test::close_to;

const std::vector<std::string> kMultiresCases = {"layer_fading_k2_L100",
                                                 "layer_fading_k2_L64",
                                                 "layer_fading_k3_L50",
                                                 "layer_fading_k4_depth5_indep",
                                                 "layer_uniform_k2_m12",
                                                 "layer_uniform_k3_m20",
                                                 "layer_uniform_k3_m40_depth3",
                                                 "layer_wavelet_coif1",
                                                 "layer_wavelet_db2",
                                                 "layer_wavelet_db4",
                                                 "layer_wavelet_haar",
                                                 "layer_wavelet_sym3",
                                                 "net_cls_embedding_batchnorm_eval",
                                                 "net_cls_embedding_batchnorm_train",
                                                 "net_cls_linear_layernorm",
                                                 "ar_gray_8x8_forward",
                                                 "ar_rgb_8x8_dmlloss"};
const std::vector<std::string> kMixtureCases = {"dml_loss_rgb", "dml_sample_gray", "dml_sample_rgb"};

// The reference constructor's arguments become net.* keys one to one.
longconv::Config net_config(const std::string& type, const nlohmann::json& ctor) {
  return longconv::Config::parse("{}", "golden ctor", longconv::test::ctor_overrides(type, ctor),
                                 longconv::train::run_schema);
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

  if (c.has("input.grad_weights")) {
    (y * c.at("input.grad_weights").to(dtype)).sum().backward();
  } else {
    // The AR likelihood case: x is the model's input and the loss's target.
    const auto loss = longconv::nn::discretized_mix_logistic_loss(x, y);
    EXPECT_TRUE(close_to(name + " output.loss", loss, c.at("output64.loss"), tol_out));
    loss.backward();
  }
  if (x.is_floating_point()) {
    EXPECT_TRUE(close_to(name + " grad.x", x.grad(), c.at("grad64.x"), tol_grad));
  }
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

INSTANTIATE_TEST_SUITE_P(Cases, GoldenMultires, ::testing::ValuesIn(kMultiresCases),
                         [](const auto& info) { return info.param; });

void run_mixture_case(const std::string& name, torch::Dtype dtype) {
  const auto c = longconv::test::load_golden("multires", name);
  const auto tol = longconv::test::multires_tolerances(name);
  const bool f64 = dtype == torch::kFloat64;
  const auto l = c.at("input.l").to(dtype).requires_grad_();
  if (c.config["kind"] == "dml_loss") {
    const auto x = c.at("input.x").to(dtype).requires_grad_();
    const auto loss = longconv::nn::discretized_mix_logistic_loss(x, l);
    EXPECT_EQ(loss.scalar_type(), dtype);
    EXPECT_TRUE(close_to(name + " output.loss", loss, c.at("output64.loss"), f64 ? tol.f64_out : tol.f32_out));
    loss.backward();
    EXPECT_TRUE(close_to(name + " grad.l", l.grad(), c.at("grad64.l"), f64 ? tol.f64_grad : tol.f32_grad));
    EXPECT_TRUE(close_to(name + " grad.x", x.grad(), c.at("grad64.x"), f64 ? tol.f64_grad : tol.f32_grad));
    return;
  }
  // Sampler cases: the reference's draws, injected, give its sample; a generator seeded as the reference's
  // torch.manual_seed(seed + 3) draws exactly those numbers.
  const int64_t channels = c.config["channels"];
  const int64_t nr_mix = c.config["nr_mix"];
  const longconv::nn::MixtureNoise recorded{c.at("noise.temp"), c.at("noise.u")};
  const auto sample = longconv::nn::sample_discretized_mix_logistic(l, channels, recorded);
  EXPECT_EQ(sample.scalar_type(), dtype);
  // Only an f32 tolerance is recorded: the reference samples in float32.
  EXPECT_TRUE(close_to(name + " output.sample", sample, c.at("output.sample"), tol.f32_out));
  auto generator = at::make_generator<at::CPUGeneratorImpl>(c.config["seed"].get<uint64_t>() + 3);
  const auto positions = c.at("noise.temp").sizes().slice(0, 3).vec();
  const auto drawn = longconv::nn::draw_mixture_noise(positions, nr_mix, channels, generator);
  EXPECT_TRUE(torch::equal(drawn.temp, recorded.temp)) << name;
  EXPECT_TRUE(torch::equal(drawn.u, recorded.u)) << name;
}

class GoldenMixture : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenMixture, Float32) { run_mixture_case(GetParam(), torch::kFloat32); }
TEST_P(GoldenMixture, Float64) { run_mixture_case(GetParam(), torch::kFloat64); }

INSTANTIATE_TEST_SUITE_P(Cases, GoldenMixture, ::testing::ValuesIn(kMixtureCases),
                         [](const auto& info) { return info.param; });

// A case added to the golden directory must be added here too, not silently skipped.
TEST(GoldenMultiresCoverage, EveryLayerAndNetCaseIsListed) {
  std::vector<std::string> names;
  for (const char* prefix : {"layer_", "net_", "ar_", "dml_"}) {
    const auto found = longconv::test::golden_case_names("multires", prefix);
    names.insert(names.end(), found.begin(), found.end());
  }
  std::sort(names.begin(), names.end());
  auto expected = kMultiresCases;
  expected.insert(expected.end(), kMixtureCases.begin(), kMixtureCases.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
}

}  // namespace
