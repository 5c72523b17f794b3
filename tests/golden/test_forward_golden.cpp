// `longconv forward` reproduces every MultiresLayer/MultiresNet/MultiresAR and CCNN golden case from files: a config
// holding the reference's constructor arguments / config sections as overrides, the reference state_dict as
// safetensors, and the recorded input. Where the case's loss is sum(y * input.grad_weights), `--grad-output` with
// those weights reproduces its gradients of x (and rel_pos for point clouds) and of every parameter too.
#include <gtest/gtest.h>

#include <fstream>

#include "support/cli.h"
#include "support/golden.h"
#include "support/temp_dir.h"

namespace {

using longconv::test::close_scaled;
using longconv::test::close_to;

struct ForwardSpec {
  std::string family, name, type;
  std::vector<std::string> overrides;
  double tol32, tol64;
  bool relative;  // tolerances times max|ref| (CCNN's CASES.md) instead of max(1, max|ref|)
  double grad_x32, grad_param32, grad64;
  double grad_rel_pos32 = 0;  // point-cloud cases
};

// grad.x and grad.param.* of the CLI's output against the case's grad64.*: relative cases scale each parameter by
// max(its own max, 1e-3 x the largest) as CCNN's CASES.md does.
void check_gradients(const ForwardSpec& s, const std::string& dtype, const longconv::io::Safetensors& out,
                     const longconv::test::GoldenCase& c) {
  const bool f64 = dtype == "float64";
  const double tol_x = f64 ? s.grad64 : s.grad_x32, tol_p = f64 ? s.grad64 : s.grad_param32;
  if (c.at("input.x").is_floating_point()) {  // token inputs have no gradient
    const auto& gx = c.at("grad64.x");
    const auto& x = out.tensors.at("grad.x");
    if (s.relative)
      EXPECT_TRUE(close_scaled(s.name + " " + dtype + " grad.x", x, gx, tol_x, gx.abs().max().item<double>()));
    else
      EXPECT_TRUE(close_to(s.name + " " + dtype + " grad.x", x, gx, tol_x));
  }
  if (c.has("grad64.rel_pos")) {
    const auto& ref = c.at("grad64.rel_pos");
    EXPECT_TRUE(close_scaled(s.name + " " + dtype + " grad.rel_pos", out.tensors.at("grad.rel_pos"), ref,
                             f64 ? s.grad64 : s.grad_rel_pos32, ref.abs().max().item<double>()));
  }
  const auto grads = c.with_prefix("grad64.param.");
  double largest = 0;
  for (const auto& [key, t] : grads) largest = std::max(largest, t.abs().max().item<double>());
  int params = 0;
  for (const auto& [key, t] : out.tensors) {
    if (key.rfind("grad.param.", 0) != 0) continue;
    const auto& ref = c.at("grad64.param." + key.substr(11));
    const std::string what = s.name + " " + dtype + " " + key;
    if (s.relative)
      EXPECT_TRUE(close_scaled(what, t, ref, tol_p, std::max(ref.abs().max().item<double>(), 1e-3 * largest)));
    else
      EXPECT_TRUE(close_to(what, t, ref, tol_p));
    ++params;
  }
  EXPECT_EQ(params, static_cast<int>(grads.size())) << s.name;
}

void forward_case(const ForwardSpec& s) {
  const auto c = longconv::test::load_golden(s.family, s.name);
  longconv::test::TempDir dir;
  std::ofstream(dir.file("net.yaml")) << "net:\n  type: " << s.type << "\n";
  auto weights = c.with_prefix("param.");
  weights.merge(c.with_prefix("buffer."));
  longconv::io::write_safetensors(dir.file("weights.safetensors"), weights);
  const bool with_grad = c.has("input.grad_weights") && c.has("grad64.x");
  if (with_grad) longconv::io::write_safetensors(dir.file("g.safetensors"), {{"y", c.at("input.grad_weights")}});

  std::string overrides;
  for (const auto& o : s.overrides) overrides += " '" + o + "'";
  for (const std::string dtype : {"float32", "float64"}) {
    // Kernel-net cases record the position grid built in float64 too.
    std::map<std::string, torch::Tensor> input{
        {"x", dtype == "float64" && c.has("input64.x") ? c.at("input64.x") : c.at("input.x")}};
    if (c.has("input.lengths")) input["lengths"] = c.at("input.lengths");
    for (const char* key : {"rel_pos", "sorted_indices"})
      if (c.has(std::string("input.") + key)) input[key] = c.at(std::string("input.") + key);
    longconv::io::write_safetensors(dir.file("input.safetensors"), input);
    const auto r = longconv::test::run_cli(
        dir, "forward " + dir.file("net.yaml") + overrides + " --weights " + dir.file("weights.safetensors") +
                 " --input " + dir.file("input.safetensors") + " --output " + dir.file("y.safetensors") + " --dtype " +
                 dtype + " --mode " + c.config.value("mode", std::string("eval")) +
                 (with_grad ? " --grad-output " + dir.file("g.safetensors") : ""));
    ASSERT_EQ(r.code, 0) << s.name << " " << dtype << ": " << r.err;
    const auto out = longconv::io::read_safetensors(dir.file("y.safetensors"));
    const double tol = dtype == "float64" ? s.tol64 : s.tol32;
    const auto& y = out.tensors.at("y");
    const auto& ref = c.at("output64.y");
    EXPECT_EQ(y.scalar_type(), dtype == "float64" ? torch::kFloat64 : torch::kFloat32);
    if (s.relative)
      EXPECT_TRUE(close_scaled(s.name + " " + dtype + " y", y, ref, tol, ref.abs().max().item<double>()));
    else
      EXPECT_TRUE(close_to(s.name + " " + dtype + " y", y, ref, tol));
    for (const auto& [key, expected] : c.with_prefix("output64.buffer.")) {
      const auto& actual = out.tensors.at("buffer." + key);
      if (expected.is_floating_point()) {
        EXPECT_TRUE(close_to(s.name + " " + dtype + " buffer " + key, actual, expected, tol));
      } else {
        EXPECT_TRUE(torch::equal(actual.to(torch::kLong), expected)) << s.name << " buffer " << key;
      }
    }
    if (with_grad) check_gradients(s, dtype, out, c);
  }
}

void multires_case(const std::string& name) {
  const auto c = longconv::test::load_golden("multires", name);
  const auto tol = longconv::test::multires_tolerances(name);
  const auto type = longconv::test::multires_net_type(c);
  forward_case({"multires", name, type, longconv::test::ctor_overrides(type, c.config["ctor"]), tol.f32_out,
                tol.f64_out, false, tol.f32_grad, tol.f32_grad, tol.f64_grad});
}

// A ccnn_point module case as overrides: the point ResNet (net.type CCNN, conv.type SeparablePointFlexConv) or a
// lone point conv, with the reference's quirks the vectors need (point_residual and point_aggregation reference).
std::vector<std::string> point_case_overrides(const longconv::test::GoldenCase& c) {
  const auto& cfg = c.config["omegaconf"];
  std::vector<std::string> out;
  if (c.config["kind"] == "pointnet") {
    out.push_back("net.type=CCNN");
    for (const auto& o : longconv::test::section_overrides("net", cfg["net"]))
      if (o.rfind("net.type=", 0) != 0) out.push_back(o);
    out.push_back("net.in_channels=" + std::to_string(c.at("input.x").size(2)));
    out.push_back("net.out_channels=" + std::to_string(c.at("output.y").size(1)));
    out.push_back("net.point_residual=reference");
  } else {
    out.push_back("net.type=SeparablePointFlexConv");
    out.push_back("net.in_channels=" + c.config["spec"]["in_channels"].dump());
    out.push_back("net.out_channels=" + c.config["spec"]["out_channels"].dump());
  }
  for (const char* section : {"kernel", "mask", "conv"}) {
    const auto more = longconv::test::section_overrides(section, cfg[section]);
    out.insert(out.end(), more.begin(), more.end());
  }
  out.push_back("conv.point_aggregation=reference");
  return out;
}

}  // namespace

TEST(ForwardGolden, Layers) {
  for (const auto& name : longconv::test::golden_case_names("multires", "layer_")) multires_case(name);
}

TEST(ForwardGolden, Nets) {
  for (const auto& name : longconv::test::golden_case_names("multires", "net_")) multires_case(name);
}

TEST(ForwardGolden, Ccnn) {
  for (const auto& name : longconv::test::golden_case_names("ccnn", "")) {
    const auto c = longconv::test::load_golden("ccnn", name);
    const auto overrides = longconv::test::ccnn_case_overrides(c);
    const std::string type = overrides.front().substr(std::string("net.type=").size());
    const auto tol = longconv::test::ccnn_tolerances(name);
    forward_case({"ccnn", name, type, overrides, tol.out, 1e-8, true, tol.grad_x, tol.grad_param, 1e-8});
  }
}

TEST(ForwardGolden, AutoregressiveNets) {
  for (const auto& name : longconv::test::golden_case_names("multires", "ar_")) multires_case(name);
}

TEST(ForwardGolden, CcnnPoint) {
  int cases = 0;
  for (const std::string prefix : {"resnet_pc_", "sepptconv_"}) {
    for (const auto& name : longconv::test::golden_case_names("ccnn_point", prefix)) {
      const auto c = longconv::test::load_golden("ccnn_point", name);
      const auto overrides = point_case_overrides(c);
      const auto tol = longconv::test::ccnn_point_tolerances(name);
      ForwardSpec spec{"ccnn_point", name,       overrides.front().substr(std::string("net.type=").size()),
                       overrides,    tol.out,    1e-8,
                       true,         tol.grad_x, tol.grad_param,
                       1e-8};
      spec.grad_rel_pos32 = tol.grad_rel_pos;
      forward_case(spec);
      ++cases;
    }
  }
  EXPECT_EQ(cases, 7);
}
