// `longconv forward` reproduces every MultiresLayer/MultiresNet/MultiresAR golden case from files: a config holding the
// reference constructor's arguments, the reference state_dict as safetensors, and the recorded input.
#include <gtest/gtest.h>

#include <fstream>

#include "cli.h"
#include "golden.h"
#include "temp_dir.h"

namespace {

using longconv::test::close_to;

void forward_case(const std::string& name) {
  const auto c = longconv::test::load_golden("multires", name);
  const auto tol = longconv::test::multires_tolerances(name);
  longconv::test::TempDir dir;
  std::ofstream(dir.file("net.yaml")) << "net:\n  type: " << longconv::test::multires_net_type(c) << "\n";
  auto weights = c.with_prefix("param.");
  weights.merge(c.with_prefix("buffer."));
  longconv::io::write_safetensors(dir.file("weights.safetensors"), weights);
  std::map<std::string, torch::Tensor> input{{"x", c.at("input.x")}};
  if (c.has("input.lengths")) input["lengths"] = c.at("input.lengths");
  longconv::io::write_safetensors(dir.file("input.safetensors"), input);

  std::string overrides;
  for (const auto& o : longconv::test::ctor_overrides(longconv::test::multires_net_type(c), c.config["ctor"])) {
    overrides += " '" + o + "'";
  }
  for (const std::string dtype : {"float32", "float64"}) {
    const auto r = longconv::test::run_cli(
        dir, "forward " + dir.file("net.yaml") + overrides + " --weights " +
                                 dir.file("weights.safetensors") + " --input " + dir.file("input.safetensors") +
                                 " --output " + dir.file("y.safetensors") + " --dtype " + dtype + " --mode " +
                                 c.config["mode"].get<std::string>());
    ASSERT_EQ(r.code, 0) << name << " " << dtype << ": " << r.err;
    const auto out = longconv::io::read_safetensors(dir.file("y.safetensors"));
    const double tol_out = dtype == "float64" ? tol.f64_out : tol.f32_out;
    EXPECT_EQ(out.tensors.at("y").scalar_type(), dtype == "float64" ? torch::kFloat64 : torch::kFloat32);
    EXPECT_TRUE(close_to(name + " " + dtype + " y", out.tensors.at("y"), c.at("output64.y"), tol_out));
    for (const auto& [key, expected] : c.with_prefix("output64.buffer.")) {
      const auto& actual = out.tensors.at("buffer." + key);
      if (expected.is_floating_point()) {
        EXPECT_TRUE(close_to(name + " " + dtype + " buffer " + key, actual, expected, tol_out));
      } else {
        EXPECT_TRUE(torch::equal(actual.to(torch::kLong), expected)) << name << " buffer " << key;
      }
    }
  }
}

}  // namespace

TEST(ForwardGolden, Layers) {
  for (const auto& name : longconv::test::golden_case_names("multires", "layer_")) forward_case(name);
}

TEST(ForwardGolden, Nets) {
  for (const auto& name : longconv::test::golden_case_names("multires", "net_")) forward_case(name);
}

TEST(ForwardGolden, AutoregressiveNets) {
  for (const auto& name : longconv::test::golden_case_names("multires", "ar_")) forward_case(name);
}
