// `longconv plot` and `longconv export` on tiny trained runs: the figures of a MultiresNet and a 2D CCNN run, and
// exported weights that `forward --weights` loads strictly and that reproduce the checkpoint's outputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "io/state_dict.h"
#include "support/cli.h"
#include "support/png_probe.h"
#include "train/checkpoint_net.h"

namespace {

using longconv::test::run_cli;

void train_tiny(const longconv::test::TempDir& dir, const std::string& config, const std::string& overrides) {
  const auto r = run_cli(dir, "train " + std::string(LONGCONV_SOURCE_DIR) + "/configs/" + config +
                                  " threads=1 train.max_train_batches=2 train.max_eval_batches=1 train.out_dir=" +
                                  dir.file("run") + " " + overrides);
  ASSERT_EQ(r.code, 0) << r.err;
}

// The lines `plot` printed, one path each.
std::vector<std::string> lines(const std::string& out) {
  std::vector<std::string> result;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

// `export` of the run's best.ckpt holds exactly the checkpoint net's state_dict.
longconv::io::Safetensors export_and_compare(const longconv::test::TempDir& dir) {
  const auto r = run_cli(dir, "export " + dir.file("run/best.ckpt") + " --out " + dir.file("model.safetensors"));
  EXPECT_EQ(r.code, 0) << r.err;
  const auto exported = longconv::io::read_safetensors(dir.file("model.safetensors"));
  const auto c = longconv::train::load_checkpoint_net(dir.file("run/best.ckpt"));
  const auto state = longconv::io::state_dict(*c.net.module);
  EXPECT_EQ(exported.tensors.size(), state.size());
  for (const auto& [key, tensor] : state) {
    const auto it = exported.tensors.find(key);
    EXPECT_NE(it, exported.tensors.end()) << key;
    if (it != exported.tensors.end()) {
      EXPECT_TRUE(torch::equal(it->second, tensor)) << key;
    }
  }
  EXPECT_EQ(exported.metadata.at("longconv_config"), c.info.config_yaml);
  return exported;
}

}  // namespace

TEST(PlotExport, MultiresRunPlotsAndExportsWeightsForwardLoads) {
  longconv::test::TempDir dir;
  train_tiny(dir, "fashion_mnist.yaml", "net.d_model=8 train.batch_size=16 train.eval_batch_size=64");
  const auto r = run_cli(dir, "plot " + dir.file("run"));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string plots = dir.file("run/plots") + "/";
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{plots + "loss.png", plots + "accuracy.png", plots + "lr.png",
                                                    plots + "multires_filters.png"}));
  for (const auto* name : {"loss.png", "accuracy.png", "lr.png"}) longconv::test::read_rgb(plots + name, 1200, 450);
  longconv::test::read_rgb(plots + "multires_filters.png", 4 * 520, 2 * 380);  // n_layers 2

  export_and_compare(dir);
  // The other direction: forward --weights reads the export strictly and gives the checkpoint net's outputs.
  torch::manual_seed(0);
  const auto x = torch::randn({3, 1, 784});
  longconv::io::write_safetensors(dir.file("in.safetensors"), {{"x", x}});
  const auto f = run_cli(dir, "forward " + dir.file("run/config.yaml") + " --weights " + dir.file("model.safetensors") +
                                  " --input " + dir.file("in.safetensors") + " --output " + dir.file("y.safetensors"));
  ASSERT_EQ(f.code, 0) << f.err;
  auto c = longconv::train::load_checkpoint_net(dir.file("run/best.ckpt"));
  torch::NoGradGuard no_grad;
  const auto expected = c.net.forward(x, {});
  EXPECT_TRUE(
      torch::allclose(longconv::io::read_safetensors(dir.file("y.safetensors")).tensors.at("y"), expected, 1e-5, 1e-6));
}

TEST(PlotExport, CcnnImageRunPlotsKernelsAndMasks) {
  longconv::test::TempDir dir;
  train_tiny(dir, "ccnn/small/fmnist_2d.yaml",
             "net.no_hidden=8 kernel.no_hidden=8 train.batch_size=8 train.eval_batch_size=16");
  const auto r = run_cli(dir, "plot " + dir.file("run") + " --out " + dir.file("figures"));
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string figures = dir.file("figures") + "/";
  EXPECT_EQ(lines(r.out), (std::vector<std::string>{figures + "loss.png", figures + "accuracy.png", figures + "lr.png",
                                                    figures + "ccnn_kernels.png", figures + "ccnn_masks.png"}));
  longconv::test::read_rgb(figures + "ccnn_kernels.png", 3 * 520, 380);  // conv1 and two blocks' convs
  longconv::test::read_rgb(figures + "ccnn_masks.png", 2 * 520, 380);

  const auto exported = export_and_compare(dir);
  // The reference's dtypes, which load_state_dict in PyTorch would otherwise convert silently.
  EXPECT_EQ(exported.tensors.at("conv1.train_length").scalar_type(), torch::kInt);
  EXPECT_EQ(exported.tensors.at("conv1.initialized").scalar_type(), torch::kBool);
  EXPECT_EQ(exported.tensors.at("norm1.num_batches_tracked").scalar_type(), torch::kLong);
}

TEST(PlotExport, BadRunsAndCheckpointsAreErrorsNamingThem) {
  longconv::test::TempDir dir;
  std::filesystem::create_directories(dir.file("empty"));
  auto r = run_cli(dir, "plot " + dir.file("empty"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(dir.file("empty")), std::string::npos) << r.err;

  // A log without a checkpoint: the curves alone.
  std::filesystem::create_directories(dir.file("log_only"));
  std::ofstream(dir.file("log_only/metrics.jsonl")) << R"({"epoch":1,"step":10,"train_loss":1.0,"lr":0.1})"
                                                       "\n";
  r = run_cli(dir, "plot " + dir.file("log_only"));
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(lines(r.out).size(), 2u) << r.out;  // loss.png and lr.png: no metric in the log

  std::filesystem::create_directories(dir.file("broken"));
  longconv::io::write_file_atomic(dir.file("broken/best.ckpt"), std::string_view("not a checkpoint"));
  r = run_cli(dir, "plot " + dir.file("broken"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(dir.file("broken/best.ckpt")), std::string::npos) << r.err;
  r = run_cli(dir, "export " + dir.file("broken/best.ckpt") + " --out " + dir.file("m.safetensors"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(dir.file("broken/best.ckpt")), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.safetensors")));
  EXPECT_EQ(run_cli(dir, "export " + dir.file("broken/best.ckpt")).code, 2);  // --out is required
}
