// Every CCNN point-cloud golden case (../shared/golden/ccnn_point, official code) in float32 and float64.
// Conv and net cases run both ways CASES.md gives: (a) the state after the recorded forward (param.*/buffer.*, which
// lack `initialized`, so the loaded convs count as initialised) -> output.y, grad.* (x, rel_pos, every parameter),
// grad_ce.* and LnLoss for nets, every sampled conv_kernel; (b) the state before it (init.*, not initialised unless
// config.init_initialized) -> output.y, and afterwards the state equals param.*/buffer.*.
// Preprocessing cases check the data pipeline's features, relative positions, sorted neighbours (both searches) and
// the translation augmentation.
#include <gtest/gtest.h>

#include "data/point_cloud.h"
#include "data/point_neighbours.h"
#include "models/ccnn/point_ccnn.h"
#include "nn/ccnn/ln_loss.h"
#include "nn/ccnn/separable_point_flex_conv.h"
#include "support/golden.h"

namespace {

using longconv::test::close_scaled;
using longconv::test::GoldenCase;

const std::vector<std::string> kModuleCases = {
    "resnet_pc_m4110_eval",      "resnet_pc_m4110_train",   "resnet_pc_m4110_trained_eval",  "resnet_pc_m6380_train",
    "sepptconv_bottleneck_in40", "sepptconv_m4110_in6_E16", "sepptconv_m416_mask05_fullnbhd"};
const std::vector<std::string> kPreprocessCases = {"preprocess_N24", "preprocess_N48"};
const std::vector<std::string> kAugmentCases = {"preprocess_augment_N32"};

constexpr double kPointF64Tol = 1e-8;

double point_max_abs(const torch::Tensor& t) { return t.numel() ? t.abs().max().item<double>() : 0.0; }

// A reference config's enum value, which the case must name correctly.
template <typename E>
E enum_of(const longconv::EnumNames<E>& names, const nlohmann::json& value) {
  const auto parsed = longconv::parse_enum(names, value.get<std::string>());
  TORCH_CHECK(parsed, "golden case names an unknown value '", value.get<std::string>(), "'");
  return *parsed;
}

// The reference config sections of a case as the point conv's options (channels set by the caller).
longconv::nn::SeparablePointFlexConvOptions conv_options(const nlohmann::json& cfg, int64_t in, int64_t out) {
  const auto& k = cfg["kernel"];
  const auto& m = cfg["mask"];
  longconv::nn::KernelNetOptions kernel;
  kernel.type(enum_of(longconv::nn::kKernelNetTypeNames, k["type"]))
      .hidden_channels(k["no_hidden"].get<int64_t>())
      .no_layers(k["no_layers"].get<int64_t>())
      .omega_0(k["omega_0"].get<double>())
      .bias(k["bias"].get<bool>())
      .nonlinearity(enum_of(longconv::nn::kActivationNames, k["nonlinearity"]));
  longconv::nn::GaussianMaskOptions mask;
  mask.init_value(m["init_value"].get<double>())
      .threshold(m["threshold"].get<double>())
      .learn_mean(m["learn_mean"].get<bool>());
  return longconv::nn::SeparablePointFlexConvOptions(in, out)
      .kernel(kernel)
      .num_edges(k["num_edges"].get<int64_t>())
      .bottleneck_factor(k["bottleneck_factor"].get<int64_t>())
      .chang_initialize(k["chang_initialize"].get<bool>())
      .bias(cfg["conv"]["bias"].get<bool>())
      .mask(mask)
      .aggregation(longconv::nn::PointAggregation::Reference);
}

bool is_net(const GoldenCase& c) { return c.config["kind"] == "pointnet"; }

std::shared_ptr<torch::nn::Module> build(const GoldenCase& c) {
  const auto& cfg = c.config["omegaconf"];
  const auto& spec = c.config["spec"];
  if (!is_net(c))
    return longconv::nn::SeparablePointFlexConv(
               conv_options(cfg, spec["in_channels"].get<int64_t>(), spec["out_channels"].get<int64_t>()))
        .ptr();
  const auto& n = cfg["net"];
  longconv::models::PointCCNNOptions o(c.at("input.x").size(2), c.at("output.y").size(1), conv_options(cfg, 1, 1));
  o.no_hidden(n["no_hidden"].get<int64_t>())
      .no_blocks(n["no_blocks"].get<int64_t>())
      .dropout(n["dropout"].get<double>())
      .dropout_in(n["dropout_in"].get<double>())
      .dropout_type(enum_of(longconv::nn::kDropoutTypeNames, n["dropout_type"]))
      .nonlinearity(enum_of(longconv::nn::kActivationNames, n["nonlinearity"]))
      .block_width_factors(n["block_width_factors"].get<std::vector<double>>())
      .block_prenorm(n["block"]["prenorm"].get<bool>())
      .point_residual(longconv::models::PointResidual::Reference);
  return longconv::models::PointCCNN(o).ptr();
}

std::vector<std::pair<std::string, longconv::nn::SeparablePointFlexConvImpl*>> point_convs(torch::nn::Module& m) {
  std::vector<std::pair<std::string, longconv::nn::SeparablePointFlexConvImpl*>> out;
  for (const auto& item : m.named_modules())
    if (auto* conv = dynamic_cast<longconv::nn::SeparablePointFlexConvImpl*>(item.value().get()))
      out.emplace_back(item.key(), conv);
  return out;
}

struct PointRun {
  std::shared_ptr<torch::nn::Module> module;
  torch::Tensor x, rel_pos, y;
};

// Builds the case's module in `dtype`, loads the state under `prefix` ("" or "init."), runs the recorded forward.
PointRun point_forward(const GoldenCase& c, torch::Dtype dtype, const std::string& prefix) {
  PointRun r{build(c), {}, {}, {}};
  r.module->to(dtype);
  auto state = c.with_prefix(prefix + "param.");
  state.merge(c.with_prefix(prefix + "buffer."));
  longconv::io::load_state_dict(*r.module, state, c.name);
  if (!prefix.empty() && !c.config.value("init_initialized", false))
    for (auto& [name, conv] : point_convs(*r.module)) conv->initialized.fill_(false);
  r.module->train(c.config.value("mode", std::string("eval")) == "train");
  // Fresh leaves: to() of an unchanged dtype returns the case's own tensor, whose gradient would accumulate.
  r.x = c.at("input.x").to(dtype).clone().requires_grad_();
  r.rel_pos = c.at("input.rel_pos").to(dtype).clone().requires_grad_();
  const auto& idx = c.at("input.sorted_indices");
  if (is_net(c))
    r.y = std::dynamic_pointer_cast<longconv::models::PointCCNNImpl>(r.module)->forward(r.x, r.rel_pos, idx);
  else
    r.y = std::dynamic_pointer_cast<longconv::nn::SeparablePointFlexConvImpl>(r.module)->forward(r.x, r.rel_pos, idx);
  return r;
}

// Gradients of `loss` against the case's `g` tensors (grad64. or grad64_ce.), each parameter against its own scale
// floored at 1e-3 of the largest (some gradients are mathematically 0: the unused conv bias).
void check_gradients(const std::string& what, PointRun& r, const GoldenCase& c, const torch::Tensor& loss,
                     const std::string& g, double tol_x, double tol_rel_pos, double tol_param) {
  loss.backward();
  EXPECT_TRUE(close_scaled(what + " " + g + "x", r.x.grad(), c.at(g + "x"), tol_x, point_max_abs(c.at(g + "x"))));
  EXPECT_TRUE(close_scaled(what + " " + g + "rel_pos", r.rel_pos.grad(), c.at(g + "rel_pos"), tol_rel_pos,
                           point_max_abs(c.at(g + "rel_pos"))));
  const auto grads = c.with_prefix(g + "param.");
  double largest = 0;
  for (const auto& [key, t] : grads) largest = std::max(largest, point_max_abs(t));
  int checked = 0;
  for (const auto& p : r.module->named_parameters()) {
    const auto& ref = c.at(g + "param." + p.key());
    const double scale = std::max(point_max_abs(ref), 1e-3 * largest);
    // The unused conv bias has no gradient here and an all-zero one in the reference's files.
    const auto grad = p.value().grad().defined() ? p.value().grad() : torch::zeros_like(p.value());
    EXPECT_TRUE(close_scaled(what + " " + g + "param." + p.key(), grad, ref, tol_param, scale));
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(grads.size()));
}

// (a) the weights after the recorded forward.
void check_point_loaded(const std::string& name, torch::Dtype dtype) {
  const auto c = longconv::test::load_golden("ccnn_point", name);
  const auto tol = longconv::test::ccnn_point_tolerances(name);
  const bool f64 = dtype == torch::kFloat64;
  const std::string what = name + (f64 ? " f64" : " f32");
  PointRun r = point_forward(c, dtype, "");
  EXPECT_EQ(r.y.scalar_type(), dtype);
  const auto& y64 = c.at("output64.y");
  EXPECT_TRUE(close_scaled(what + " output.y", r.y, y64, f64 ? kPointF64Tol : tol.out, point_max_abs(y64)));

  int kernels = 0;
  for (const auto& [key, conv] : point_convs(*r.module)) {
    EXPECT_TRUE(conv->initialized.item<bool>()) << what << ": " << key << " loaded from a file is initialised";
    const auto aux = key.empty() ? "aux.conv_kernel" : "aux." + key + ".conv_kernel";
    // aux.* are the float32 reference's kernels (MAGNet's float32 sin error on far neighbours): parameter tolerance.
    EXPECT_TRUE(close_scaled(what + " " + aux, conv->conv_kernel, c.at(aux), tol.grad_param, point_max_abs(c.at(aux))));
    ++kernels;
  }
  EXPECT_EQ(kernels, static_cast<int>(c.with_prefix("aux.").size()));

  check_gradients(what, r, c, (r.y * c.at("input.grad_weights").to(dtype)).sum(), "grad64.",
                  f64 ? kPointF64Tol : tol.grad_x, f64 ? kPointF64Tol : tol.grad_rel_pos,
                  f64 ? kPointF64Tol : tol.grad_param);
  if (!is_net(c)) return;

  // The training loss: cross entropy + weight_decay * LnLoss (point convs' kernels are not in LnLoss).
  PointRun l = point_forward(c, dtype, "");
  const auto ln = longconv::nn::ln_loss(*l.module);
  EXPECT_TRUE(close_scaled(what + " ln_reg", ln, c.at("output64.ln_reg"), f64 ? kPointF64Tol : tol.out,
                           point_max_abs(c.at("output64.ln_reg"))));
  const auto ce = torch::nn::functional::cross_entropy(l.y, c.at("input.labels"));
  EXPECT_TRUE(
      close_scaled(what + " ce_loss", ce, c.at("output64.ce_loss"), f64 ? kPointF64Tol : tol.out, point_max_abs(y64)));
  const double weight_decay = c.config["omegaconf"]["optimizer"]["weight_decay"].get<double>();
  const auto loss = weight_decay != 0 ? ce + weight_decay * ln : ce;
  EXPECT_TRUE(
      close_scaled(what + " loss", loss, c.at("output64.loss"), f64 ? kPointF64Tol : tol.out, point_max_abs(y64)));
  check_gradients(what, l, c, loss, "grad64_ce.", f64 ? kPointF64Tol : tol.grad_x,
                  f64 ? kPointF64Tol : tol.grad_rel_pos, f64 ? kPointF64Tol : tol.grad_ce_param);
}

// (b) the state before the recorded forward.
void check_point_fresh(const std::string& name, torch::Dtype dtype) {
  const auto c = longconv::test::load_golden("ccnn_point", name);
  const auto tol = longconv::test::ccnn_point_tolerances(name);
  const bool f64 = dtype == torch::kFloat64;
  const std::string what = name + (f64 ? " f64 fresh" : " f32 fresh");
  PointRun r = point_forward(c, dtype, "init.");
  const auto& y64 = c.at("output64.y");
  // In float64 the Chang factor is applied in float64, while output64 came from the float32-scaled weights.
  EXPECT_TRUE(close_scaled(what + " output.y", r.y, y64, f64 ? 1e-6 : tol.out, point_max_abs(y64)));
  auto expected = c.with_prefix("param.");
  expected.merge(c.with_prefix("buffer."));
  const auto state = longconv::io::state_dict(*r.module);
  for (const auto& [key, ref] : expected) {
    const auto it = state.find(key);
    ASSERT_NE(it, state.end()) << what << ": no state " << key;
    if (ref.is_floating_point())
      EXPECT_TRUE(close_scaled(what + " state " + key, it->second, ref, tol.out, std::max(point_max_abs(ref), 1e-6)));
    else
      EXPECT_TRUE(torch::equal(it->second.to(torch::kLong), ref)) << what << " state " << key;
  }
  for (const auto& [key, conv] : point_convs(*r.module)) EXPECT_TRUE(conv->initialized.item<bool>()) << what << key;
}

class GoldenCcnnPoint : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCcnnPoint, LoadedFloat32) { check_point_loaded(GetParam(), torch::kFloat32); }
TEST_P(GoldenCcnnPoint, LoadedFloat64) { check_point_loaded(GetParam(), torch::kFloat64); }
TEST_P(GoldenCcnnPoint, FreshFloat32) { check_point_fresh(GetParam(), torch::kFloat32); }
TEST_P(GoldenCcnnPoint, FreshFloat64) { check_point_fresh(GetParam(), torch::kFloat64); }

INSTANTIATE_TEST_SUITE_P(Cases, GoldenCcnnPoint, ::testing::ValuesIn(kModuleCases),
                         [](const auto& info) { return info.param; });

// The reference pre_transform: features = normals ++ positions, rel_pos[i, j] = pos_i - pos_j (exact), every row of
// sorted_indices exact, from float32 and float64 positions, with either neighbour search.
class GoldenCcnnPointPreprocess : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCcnnPointPreprocess, FeaturesAndNeighbours) {
  const auto c = longconv::test::load_golden("ccnn_point", GetParam());
  const auto& pos = c.at("input.pos");
  const auto& normal = c.at("input.normal");
  for (const std::string out : {"output.", "output64."}) {
    const auto dtype = out == "output." ? torch::kFloat32 : torch::kFloat64;
    std::vector<torch::Tensor> x, rel;
    for (int64_t b = 0; b < pos.size(0); ++b) {
      const longconv::data::PointCloud cloud{pos[b].to(dtype), normal[b].to(dtype)};
      x.push_back(longconv::data::point_features(cloud));
      rel.push_back(longconv::data::relative_positions(cloud.pos));
    }
    EXPECT_TRUE(torch::equal(torch::stack(x), c.at(out + "x"))) << GetParam() << " " << out << "x";
    EXPECT_TRUE(torch::equal(torch::stack(rel), c.at(out + "rel_pos"))) << GetParam() << " " << out << "rel_pos";
  }
  for (const auto search : {longconv::data::NeighbourSearch::AllPairs, longconv::data::NeighbourSearch::KdTree}) {
    std::vector<torch::Tensor> idx;
    for (int64_t b = 0; b < pos.size(0); ++b)
      idx.push_back(longconv::data::sorted_neighbours(pos[b], pos.size(1), search));
    EXPECT_TRUE(torch::equal(torch::stack(idx), c.at("output.sorted_indices"))) << GetParam();
    EXPECT_TRUE(torch::equal(torch::stack(idx), c.at("output64.sorted_indices"))) << GetParam();
    // A prefix of the full order is what a k-neighbour search returns.
    std::vector<torch::Tensor> part;
    for (int64_t b = 0; b < pos.size(0); ++b) part.push_back(longconv::data::sorted_neighbours(pos[b], 7, search));
    EXPECT_TRUE(torch::equal(torch::stack(part), c.at("output.sorted_indices").narrow(2, 0, 7))) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenCcnnPointPreprocess, ::testing::ValuesIn(kPreprocessCases),
                         [](const auto& info) { return info.param; });

// GaussianRandomTranslate replayed with the reference's noise: positions and x[:, 3:] move, the normals, rel_pos and
// sorted_indices (computed before the transform) do not.
class GoldenCcnnPointAugment : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCcnnPointAugment, TranslationMovesFeaturesNotNeighbours) {
  const auto c = longconv::test::load_golden("ccnn_point", GetParam());
  const auto& pos = c.at("input.pos");
  const auto& noise = c.at("aux.noise");
  std::vector<torch::Tensor> moved, x, rel, idx;
  for (int64_t b = 0; b < pos.size(0); ++b) {
    const longconv::data::PointCloud cloud{pos[b], c.at("input.normal")[b]};
    longconv::data::Example e = longconv::data::point_example(cloud, 0, pos.size(1));
    longconv::data::translate_example(e, noise[b]);
    x.push_back(e.x);
    rel.push_back(e.rel_pos);
    idx.push_back(e.sorted_indices);
  }
  EXPECT_TRUE(torch::equal(torch::stack(x), c.at("output.x")));
  EXPECT_TRUE(torch::equal(torch::stack(x).narrow(2, 3, 3), c.at("output.pos")));
  EXPECT_TRUE(torch::equal(torch::stack(rel), c.at("output.rel_pos")));
  EXPECT_TRUE(torch::equal(torch::stack(idx), c.at("output.sorted_indices")));
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenCcnnPointAugment, ::testing::ValuesIn(kAugmentCases),
                         [](const auto& info) { return info.param; });

// A case added to the golden directory must be listed here too, not silently skipped.
TEST(GoldenCcnnPointCoverage, EveryCaseIsListed) {
  std::vector<std::string> expected = kModuleCases;
  expected.insert(expected.end(), kPreprocessCases.begin(), kPreprocessCases.end());
  expected.insert(expected.end(), kAugmentCases.begin(), kAugmentCases.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(longconv::test::golden_case_names("ccnn_point", ""), expected);
}

}  // namespace
