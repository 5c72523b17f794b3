// End to end: the `longconv` binary on tiny generated MNIST-layout data.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "io/safetensors.h"
#include "io/state_dict.h"
#include "models/registry.h"
#include "support/cli.h"
#include "support/idx_writer.h"
#include "support/temp_dir.h"
#include "train/run_config.h"

using namespace longconv;

namespace {

using test::run_cli;
using test::slurp;
using Result = test::CliResult;

// 30 training and 10 test images, 28x28, with labels 0..9.
void write_tiny_mnist(const std::string& dir) {
  using namespace testing_idx;
  std::mt19937 rng(5);
  const auto files = [&](const std::string& prefix, uint32_t n) {
    Bytes pixels(n * 28 * 28), labels(n);
    for (auto& p : pixels) p = static_cast<uint8_t>(rng() % 256);
    for (uint32_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % 10);
    write_raw(dir + "/" + prefix + "-images-idx3-ubyte", idx_u8({n, 28, 28}, pixels));
    write_raw(dir + "/" + prefix + "-labels-idx1-ubyte", idx_u8({n}, labels));
  };
  files("train", 30);
  files("t10k", 10);
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir.path() / "data");
    write_tiny_mnist(dir.file("data"));
    config = dir.file("run.yaml");
    std::ofstream(config) << "seed: 1\n"
                             "threads: 1\n"
                             "net:\n  type: MultiresNet\n  d_model: 4\n  n_layers: 1\n"
                             "dataset:\n  name: fashion_mnist\n  data_dir: "
                          << dir.file("data")
                          << "\n  val_split: 0.2\n"
                             "train:\n  epochs: 2\n  batch_size: 8\n  max_train_batches: 2\n  max_eval_batches: 1\n"
                             "  out_dir: "
                          << out_dir() << "\n";
  }
  std::string out_dir() const { return dir.file("run"); }

  test::TempDir dir;
  std::string config;
};

}  // namespace

TEST_F(Cli, TrainWritesItsOutputsAndPrintsTheFinalTestAccuracy) {
  const Result r = run_cli(dir, "train " + config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test accuracy at best validation: "), std::string::npos) << r.out;
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "%\n") << r.out;
  for (const auto& file : {"config.yaml", "metrics.jsonl", "last.ckpt", "best.ckpt"})
    EXPECT_TRUE(std::filesystem::exists(out_dir() + "/" + file)) << file;
  const std::string saved = slurp(out_dir() + "/config.yaml");
  EXPECT_NE(saved.find("d_input: 1"), std::string::npos) << saved;  // filled from the data
  std::istringstream log(slurp(out_dir() + "/metrics.jsonl"));
  int lines = 0;
  for (std::string line; std::getline(log, line);) EXPECT_EQ(nlohmann::json::parse(line)["epoch"], ++lines);
  EXPECT_EQ(lines, 2);

  // Resuming a finished run trains nothing and reports the same result; more epochs continue the log.
  const Result again = run_cli(dir, "train " + config + " --resume");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(again.out, r.out);
  const Result more = run_cli(dir, "train " + config + " train.epochs=3 --resume");
  ASSERT_EQ(more.code, 0) << more.err;
  EXPECT_NE(more.err.find("train.epochs"), std::string::npos) << more.err;  // warned: changed config
  EXPECT_NE(slurp(out_dir() + "/metrics.jsonl").find("\"epoch\":3"), std::string::npos);

  const Result eval = run_cli(dir, "eval " + config + " --checkpoint " + out_dir() + "/best.ckpt");
  ASSERT_EQ(eval.code, 0) << eval.err;
  EXPECT_NE(eval.out.find("val loss "), std::string::npos) << eval.out;
  EXPECT_NE(eval.out.find("test loss "), std::string::npos) << eval.out;
  EXPECT_NE(eval.out.find("accuracy"), std::string::npos) << eval.out;
}

TEST_F(Cli, BadConfigKeyOrValueExitsNonZeroNamingIt) {
  Result r = run_cli(dir, "train " + config + " train.epochz=3");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("train.epochz"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
  r = run_cli(dir, "train " + config + " optimizer.lr=-1");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("optimizer.lr"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out_dir())) << "nothing written for a bad config";
}

TEST_F(Cli, ResumeWithoutCheckpointFails) {
  const Result r = run_cli(dir, "train " + config + " --resume");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("last.ckpt"), std::string::npos) << r.err;
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_cli(dir, "train").code, 2);
  EXPECT_EQ(run_cli(dir, "frobnicate").code, 2);
  EXPECT_EQ(run_cli(dir, "eval " + config).code, 2);  // --checkpoint is required
}

TEST_F(Cli, InfoReportsParametersAndMemory) {
  const Result r = run_cli(dir, "info " + config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("parameters: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("training memory at batch size 8"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("+ activations"), std::string::npos) << r.out;  // from the net type's activation estimate
}

TEST_F(Cli, KeysPrintsEveryKeyWithTypeDefaultAndHelp) {
  const std::string ccnn = dir.file("ccnn.yaml");
  std::ofstream(ccnn) << "net:\n  type: CCNN\ndataset:\n  name: fashion_mnist\ntrain:\n  epochs: 3\n";
  const Result r = run_cli(dir, "keys " + ccnn);
  ASSERT_EQ(r.code, 0) << r.err;
  // The file's values do not change the defaults shown; the net type and dataset add their keys.
  EXPECT_NE(r.out.find("train.epochs (int, default 100): training epochs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mask.threshold (float, default 0.1 in (0, 1)): crop the kernel"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("optimizer.mask_lr_ratio (float, default 1.0):"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dataset.layout (string, default sequence one of [sequence, permuted, image])"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("net.d_model"), std::string::npos) << r.out;  // MultiresNet's key, not CCNN's
  const Result bad = run_cli(dir, "keys " + ccnn + " net.type=Nope");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("unknown net.type 'Nope'"), std::string::npos) << bad.err;
}

TEST_F(Cli, ListNamesNetTypesDatasetsAndObjectives) {
  const Result r = run_cli(dir, "list");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const auto& name : models::net_type_names()) EXPECT_NE(r.out.find("  " + name + " "), std::string::npos) << name;
  for (const char* name : {"fashion_mnist ", "voxel_solids ", "multi_label ", "bits_per_dim"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

// libgomp reads OMP_WAIT_POLICY before main: the CLI re-executes itself with passive unless the user set a value.
TEST_F(Cli, RunsWithPassiveOpenMpWaitUnlessSet) {
  const std::string out = dir.file("info.txt"), cli = LONGCONV_CLI;
  ASSERT_EQ(std::system(("env -u OMP_WAIT_POLICY " + cli + " info " + config + " >" + out).c_str()), 0);
  EXPECT_NE(longconv::test::slurp(out).find("OMP_WAIT_POLICY=passive"), std::string::npos)
      << longconv::test::slurp(out);
  ASSERT_EQ(std::system(("OMP_WAIT_POLICY=active " + cli + " info " + config + " >" + out).c_str()), 0);
  EXPECT_NE(longconv::test::slurp(out).find("OMP_WAIT_POLICY=active"), std::string::npos) << longconv::test::slurp(out);
}

TEST_F(Cli, ForwardWritesYAndListsMissingWeights) {
  // A module with every data-dependent key in the config, so no dataset is involved.
  const std::string forward_config = dir.file("forward.yaml");
  std::ofstream(forward_config) << "net:\n  type: MultiresNet\n  d_input: 2\n  d_output: 3\n  d_model: 4\n"
                                   "  n_layers: 1\n  max_length: 16\n";
  const Result info = run_cli(dir, "info " + forward_config);  // no dataset: the keys come from the config
  EXPECT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("parameters: "), std::string::npos) << info.out;

  Config c = train::load_run_config(forward_config, {});
  torch::manual_seed(0);
  const models::Net net = models::net_type("MultiresNet").build(c);
  net.module->eval();
  io::StateDict weights = io::state_dict(*net.module);
  io::write_safetensors(dir.file("w.safetensors"), weights);
  const auto x = torch::randn({5, 2, 16});
  io::write_safetensors(dir.file("in.safetensors"), {{"x", x}});

  const std::string common = "forward " + forward_config + " --input " + dir.file("in.safetensors") + " --output " +
                             dir.file("out.safetensors");
  Result r = run_cli(dir, common + " --weights " + dir.file("w.safetensors"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto y = io::read_safetensors(dir.file("out.safetensors")).tensors.at("y");
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(y, net.forward(x, {}), 1e-5, 1e-6));

  r = run_cli(dir, common + " --weights " + dir.file("w.safetensors") + " --dtype float64 --mode train");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(io::read_safetensors(dir.file("out.safetensors")).tensors.at("y").scalar_type(), torch::kFloat64);

  // --grad-output: the gradients of sum(y * G), against the same backward in process.
  const auto g = torch::randn_like(y);
  io::write_safetensors(dir.file("g.safetensors"), {{"y", g}});
  r = run_cli(dir, common + " --weights " + dir.file("w.safetensors") + " --grad-output " + dir.file("g.safetensors"));
  ASSERT_EQ(r.code, 0) << r.err;
  {
    const auto out = io::read_safetensors(dir.file("out.safetensors")).tensors;
    torch::AutoGradMode grad_mode(true);
    const auto xg = x.clone().requires_grad_();
    (net.forward(xg, {}) * g).sum().backward();
    EXPECT_TRUE(torch::allclose(out.at("grad.x"), xg.grad(), 1e-4, 1e-6));
    for (const auto& p : net.module->named_parameters())
      EXPECT_TRUE(torch::allclose(out.at("grad.param." + p.key()), p.value().grad(), 1e-4, 1e-6)) << p.key();
  }
  io::write_safetensors(dir.file("g_bad.safetensors"), {{"y", torch::randn({5, 4})}});
  r = run_cli(dir,
              common + " --weights " + dir.file("w.safetensors") + " --grad-output " + dir.file("g_bad.safetensors"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("g_bad.safetensors: tensor 'y' must be floating point and shaped like the output [5, 3]"),
            std::string::npos)
      << r.err;

  weights.erase("output_mapping.bias");
  io::write_safetensors(dir.file("w_missing.safetensors"), weights);
  r = run_cli(dir, common + " --weights " + dir.file("w_missing.safetensors"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("output_mapping.bias"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("w_missing.safetensors"), std::string::npos) << r.err;
}

TEST_F(Cli, OutOfRangeResourceKeysAreErrorsNamingTheOverride) {
  for (const std::string override : {"train.batch_size=-1", "train.workers=100000", "threads=-3"}) {
    const std::string key = override.substr(0, override.find('='));
    for (const std::string command : {"info", "train"}) {
      const Result r = run_cli(dir, command + " " + config + " " + override);
      EXPECT_EQ(r.code, 1) << command << " " << override;
      EXPECT_NE(r.err.find("override '" + override + "': key '" + key + "'"), std::string::npos) << r.err;
    }
  }
  EXPECT_FALSE(std::filesystem::exists(out_dir()));
}

TEST_F(Cli, TrainRefusesAnEstimateAboveTheAvailableMemoryBeforeAllocating) {
  // A million generated examples of length 10^5 (lazily generated): one batch of them needs terabytes.
  const std::string adding = dir.file("adding.yaml");
  std::ofstream(adding) << "net:\n  type: MultiresNet\n  d_model: 4\n  n_layers: 1\n"
                           "dataset:\n  name: adding_problem\n  seq_length: 100000\n  train_size: 1000000\n"
                           "train:\n  batch_size: 1000000000000\n  out_dir: "
                        << out_dir() << "\n";
  const Result r = run_cli(dir, "train " + adding);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("training needs about "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("at batch size 900000 (the estimate of `longconv info`)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" available; lower train.batch_size"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out_dir()));
}
