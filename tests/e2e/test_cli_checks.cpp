// End to end: the CLI refuses bad arguments and inputs with a named error before doing any work (issue 16, defects
// 5-9 outside training): `forward`'s inputs and output, `sample --out`, an unknown command.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "io/state_dict.h"
#include "models/registry.h"
#include "support/cli.h"
#include "train/run_config.h"

using namespace longconv;
using test::run_cli;

namespace {

// A MultiresNet of 2 input channels with all its keys in the config (no dataset), its weights and an input.
class Forward : public ::testing::Test {
 protected:
  void SetUp() override {
    config = dir.file("forward.yaml");
    std::ofstream(config) << "net:\n  type: MultiresNet\n  d_input: 2\n  d_output: 3\n  d_model: 4\n"
                             "  n_layers: 1\n  max_length: 16\n";
    torch::manual_seed(0);
    const models::Net net = models::net_type("MultiresNet").build(train::load_run_config(config, {}));
    weights = io::state_dict(*net.module);
    io::write_safetensors(dir.file("w.safetensors"), weights);
  }

  // `forward` on an input file holding `tensors`, with the weights of `weights_file`.
  test::CliResult forward(const std::map<std::string, torch::Tensor>& tensors,
                          const std::string& weights_file = "w.safetensors") {
    io::write_safetensors(dir.file("in.safetensors"), tensors);
    return run_cli(dir, "forward " + config + " --weights " + dir.file(weights_file) + " --input " +
                            dir.file("in.safetensors") + " --output " + dir.file("out.safetensors"));
  }

  void expect_refused(const test::CliResult& r, const std::vector<std::string>& words) {
    EXPECT_EQ(r.code, 1) << r.err;
    for (const auto& word : words) EXPECT_NE(r.err.find(word), std::string::npos) << "no '" << word << "' in " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("out.safetensors")));
  }

  test::TempDir dir;
  std::string config;
  io::StateDict weights;
};

}  // namespace

TEST_F(Forward, OutputEqualToWeightsOrInputIsRefused) {
  const std::string before = io::read_file(dir.file("w.safetensors"));
  io::write_safetensors(dir.file("in.safetensors"), {{"x", torch::randn({1, 2, 16})}});
  const std::string args = "forward " + config + " --weights " + dir.file("w.safetensors") + " --input " +
                           dir.file("in.safetensors") + " --output ";
  test::CliResult r = run_cli(dir, args + dir.file("w.safetensors"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--output " + dir.file("w.safetensors") + " is --weights"), std::string::npos) << r.err;
  EXPECT_EQ(io::read_file(dir.file("w.safetensors")), before) << "the weights were overwritten";
  // The same file under another name.
  r = run_cli(dir, args + dir.path().string() + "/./in.safetensors");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is --input"), std::string::npos) << r.err;
}

TEST_F(Forward, LengthsOutsideOneToLAreRefused) {
  const torch::Tensor x = torch::randn({2, 2, 16});
  expect_refused(forward({{"x", x}, {"lengths", torch::tensor({int64_t{-5}, int64_t{1000000000}})}}),
                 {"in.safetensors", "'lengths' must lie in [1, 16]", "got values in [-5, 1000000000]"});
  expect_refused(forward({{"x", x}, {"lengths", torch::tensor({0, 0}, torch::kInt)}}), {"[1, 16]", "[0, 0]"});
  expect_refused(forward({{"x", x}, {"lengths", torch::tensor({int64_t{4}})}}), {"must have shape [2]"});
  const test::CliResult ok = forward({{"x", x}, {"lengths", torch::tensor({int64_t{1}, int64_t{16}})}});
  EXPECT_EQ(ok.code, 0) << ok.err;
}

TEST_F(Forward, IntegerWeightsForFloatParametersAreRefusedNamingTheKey) {
  io::StateDict ints = weights;
  ints["output_mapping.weight"] = ints["output_mapping.weight"].to(torch::kLong);
  io::write_safetensors(dir.file("w_int.safetensors"), ints);
  expect_refused(forward({{"x", torch::randn({1, 2, 16})}}, "w_int.safetensors"),
                 {"w_int.safetensors", "dtype mismatch for 'output_mapping.weight': file Long vs module Float"});
}

TEST_F(Forward, InputOfTheWrongShapeOrTypeNamesTheInputAndTheExpectedShape) {
  expect_refused(forward({{"x", torch::randn({5, 3, 16})}}),
                 {"in.safetensors", "expects float x of shape [B, d_input=2, L], got [5, 3, 16]"});
  expect_refused(forward({{"x", torch::ones({5, 2, 16}, torch::kInt)}}),
                 {"in.safetensors", "expects float x of shape [B, d_input=2, L], got [5, 2, 16] Long"});
  expect_refused(forward({{"x", torch::randn({5, 2, 0})}}),
                 {"in.safetensors", "'x' of shape [5, 2, 0] is empty (dimension 2 is 0)"});
}

// A lone MultiresLayer blamed the weights ("h0 must have shape 3 1 2") for an input of 5 channels.
TEST(ForwardLayer, WrongChannelCountBlamesTheInput) {
  test::TempDir dir;
  const std::string config = dir.file("layer.yaml");
  std::ofstream(config) << "net:\n  type: MultiresLayer\n  d_model: 3\n  kernel_size: 2\n  depth: 2\n";
  torch::manual_seed(0);
  const models::Net net = models::net_type("MultiresLayer").build(train::load_run_config(config, {}));
  io::write_safetensors(dir.file("w.safetensors"), io::state_dict(*net.module));
  io::write_safetensors(dir.file("in.safetensors"), {{"x", torch::randn({2, 5, 8})}});
  const test::CliResult r = run_cli(dir, "forward " + config + " --weights " + dir.file("w.safetensors") + " --input " +
                                             dir.file("in.safetensors") + " --output " + dir.file("out.safetensors"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("in.safetensors: net.type MultiresLayer on x [2, 5, 8]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expects float x of shape [B, d_model=3, L >= 1]"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("h0"), std::string::npos) << r.err;
}

// `sample` loaded the data and the checkpoint and sampled before it found --out unwritable.
TEST(SampleOut, IsCheckedBeforeAnythingElse) {
  test::TempDir dir;
  const std::string config = std::string(LONGCONV_SOURCE_DIR) + "/configs/multires/fashion_mnist_ar.yaml";
  const std::string common = "sample " + config + " --checkpoint " + dir.file("missing.ckpt") + " --out ";
  test::CliResult r = run_cli(dir, common + dir.file("no/such/dir/s.png"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("sample: --out " + dir.file("no/such/dir/s.png") + ": no directory"), std::string::npos)
      << r.err;
  r = run_cli(dir, common + dir.path().string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
}

TEST(UnknownCommand, IsNamedWithTheCommandList) {
  test::TempDir dir;
  const test::CliResult r = run_cli(dir, "frob");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(
      r.err.find(
          "unknown command 'frob' (commands: train, eval, info, forward, data, sample, keys, list, plot, export)"),
      std::string::npos)
      << r.err;
}
