// load_checkpoint_net rebuilds the net a checkpoint holds from the config stored in it, with its weights.
#include <gtest/gtest.h>

#include <fstream>

#include "io/atomic_file.h"
#include "io/state_dict.h"
#include "support/helpers.h"
#include "train/checkpoint_net.h"
#include "train/experiment.h"
#include "train/run_config.h"

namespace {

using namespace longconv;

// A checkpoint of a small MultiresNet whose weights differ from a fresh build's; returns its state.
io::StateDict write_checkpoint(const test::TempDir& dir, const std::string& path, const std::string& config_yaml) {
  const std::string config_path = dir.file("net.yaml");
  std::ofstream(config_path) << "seed: 3\nnet:\n  type: MultiresNet\n  d_input: 2\n  d_output: 5\n  d_model: 4\n"
                                "  n_layers: 1\n  max_length: 32\n  batchnorm: true\n";
  const Config config = train::load_run_config(config_path, {});
  models::Net net = train::build_net(config);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net.module->parameters()) p.add_(1.0);
  }
  torch::optim::AdamW optimizer(net.module->parameters());
  train::LrSchedule schedule(train::ScheduleOptions{}, 0.01, 10, 1);
  train::CheckpointInfo info;
  info.epoch = 2;
  info.config_yaml = config_yaml.empty() ? config.to_yaml() : config_yaml;
  io::write_file_atomic(path, train::encode_checkpoint(*net.module, optimizer, schedule, info));
  return io::state_dict(*net.module);
}

TEST(CheckpointNet, RebuildsTheNetFromItsStoredConfig) {
  test::TempDir dir;
  const std::string path = dir.file("best.ckpt");
  const auto state = write_checkpoint(dir, path, "");
  const auto c = train::load_checkpoint_net(path);
  EXPECT_EQ(c.config.get_string("net.type"), "MultiresNet");
  EXPECT_EQ(c.info.epoch, 2);
  EXPECT_FALSE(c.net.module->is_training());
  const auto loaded = io::state_dict(*c.net.module);
  ASSERT_EQ(loaded.size(), state.size());
  for (const auto& [key, tensor] : state) EXPECT_TRUE(torch::equal(loaded.at(key), tensor)) << key;
}

TEST(CheckpointNet, ABadStoredConfigNamesTheCheckpoint) {
  test::TempDir dir;
  const std::string path = dir.file("odd.ckpt");
  write_checkpoint(dir, path, "net:\n  type: NoSuchNet\n");
  const std::string message = test::error_of([&] { train::load_checkpoint_net(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("NoSuchNet"), std::string::npos) << message;
}

}  // namespace
