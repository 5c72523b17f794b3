// `train.tensorboard: true` on tiny runs: the event file beside metrics.jsonl, read with the independent reader of
// support/tensorboard_reader.h, holds every step's loss and lr, every epoch's metrics line and the mask widths.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

#include "nn/ccnn/ck_conv.h"
#include "support/cli.h"
#include "support/tensorboard_reader.h"
#include "train/checkpoint_net.h"
#include "train/metrics_log.h"

namespace {

using longconv::test::only;
using longconv::test::run_cli;

// The event files in `dir`, sorted by name.
std::vector<std::string> event_files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

struct Decoded {
  std::map<std::string, std::vector<std::pair<int64_t, float>>> scalars;  // tag -> (step, value) in order
  std::map<std::string, std::vector<std::pair<int64_t, longconv::test::Message>>> histograms;  // tag -> (step, histo)
};

Decoded decode_file(const std::string& path) {
  const auto events = longconv::test::read_events(path);
  Decoded d;
  EXPECT_FALSE(events.empty());
  if (events.empty()) return d;
  EXPECT_EQ(only(events[0], 3, 2).bytes, "brain.Event:2");
  for (size_t i = 1; i < events.size(); ++i) {
    const auto step = static_cast<int64_t>(only(events[i], 2, 0).integer);
    const auto [tag, value] = longconv::test::summary_value(events[i]);
    if (value.count(2))
      d.scalars[tag].emplace_back(step, only(value, 2, 5).as_float());
    else
      d.histograms[tag].emplace_back(step, longconv::test::decode(only(value, 5, 2).bytes));
  }
  return d;
}

std::string train_args(const longconv::test::TempDir& dir, const std::string& config, const std::string& overrides) {
  return "train " + std::string(LONGCONV_SOURCE_DIR) + "/configs/" + config +
         " threads=1 train.max_train_batches=3 train.max_eval_batches=1 train.epochs=2 train.tensorboard=true "
         "train.out_dir=" +
         dir.file("run") + " " + overrides;
}

}  // namespace

TEST(Tensorboard, CcnnRunLogsStepsEpochsAndMaskWidths) {
  longconv::test::TempDir dir;
  const auto r = run_cli(dir, train_args(dir, "ccnn/small/fmnist_1d.yaml",
                                         "net.no_hidden=8 kernel.no_hidden=8 train.batch_size=8 "
                                         "train.eval_batch_size=16"));
  ASSERT_EQ(r.code, 0) << r.err;
  const auto files = event_files(dir.file("run"));
  ASSERT_EQ(files.size(), 1u);
  const Decoded d = decode_file(files[0]);

  // Every step's loss and lr, steps 1..6 (2 epochs of 3 batches).
  for (const auto* tag : {"step/train_loss", "step/lr"}) {
    ASSERT_EQ(d.scalars.count(tag), 1u) << tag;
    const auto& series = d.scalars.at(tag);
    ASSERT_EQ(series.size(), 6u) << tag;
    for (size_t i = 0; i < series.size(); ++i) EXPECT_EQ(series[i].first, static_cast<int64_t>(i + 1)) << tag;
  }
  // Each epoch's metrics line, number for number, at the line's step.
  const auto log = longconv::train::read_metrics_log(dir.file("run/metrics.jsonl"));
  ASSERT_EQ(log.size(), 2u);
  for (size_t e = 0; e < log.size(); ++e)
    for (const auto& [key, value] : log[e].items()) {
      if (!value.is_number() || key == "epoch" || key == "step") continue;
      const auto it = d.scalars.find("epoch/" + key);
      ASSERT_NE(it, d.scalars.end()) << key;
      ASSERT_EQ(it->second.size(), 2u) << key;
      EXPECT_EQ(it->second[e].first, log[e].at("step").get<int64_t>()) << key;
      EXPECT_EQ(it->second[e].second, static_cast<float>(value.get<double>())) << key;
    }
  // The last epoch's mask widths are the ones in last.ckpt.
  ASSERT_EQ(d.histograms.count("mask_widths"), 1u);
  const auto& widths = d.histograms.at("mask_widths");
  ASSERT_EQ(widths.size(), 2u);
  EXPECT_EQ(widths[0].first, 3);
  EXPECT_EQ(widths[1].first, 6);
  const auto net = longconv::train::load_checkpoint_net(dir.file("run/last.ckpt"));
  const auto expected = longconv::nn::mask_widths(*net.net.module);
  ASSERT_FALSE(expected.empty());
  const auto& histo = widths[1].second;
  EXPECT_DOUBLE_EQ(only(histo, 1, 1).as_double(), *std::min_element(expected.begin(), expected.end()));
  EXPECT_DOUBLE_EQ(only(histo, 2, 1).as_double(), *std::max_element(expected.begin(), expected.end()));
  EXPECT_DOUBLE_EQ(only(histo, 3, 1).as_double(), static_cast<double>(expected.size()));
}

TEST(Tensorboard, ResumeAddsAFileAndMultiresRunsHaveNoHistograms) {
  longconv::test::TempDir dir;
  const std::string overrides = "net.d_model=8 train.batch_size=16 train.eval_batch_size=64";
  auto r = run_cli(dir, train_args(dir, "fashion_mnist.yaml", overrides + " train.epochs=1"));
  ASSERT_EQ(r.code, 0) << r.err;
  r = run_cli(dir, train_args(dir, "fashion_mnist.yaml", overrides) + " --resume");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto files = event_files(dir.file("run"));
  ASSERT_EQ(files.size(), 2u);
  // The first run wrote epoch 1's steps, the resumed one epoch 2's; neither a histogram (no masks).
  const std::vector<std::vector<int64_t>> steps{{1, 2, 3}, {4, 5, 6}};
  std::vector<std::vector<int64_t>> found;
  for (const auto& file : files) {
    const Decoded d = decode_file(file);
    EXPECT_TRUE(d.histograms.empty()) << file;
    std::vector<int64_t> s;
    for (const auto& [step, value] : d.scalars.at("step/train_loss")) s.push_back(step);
    found.push_back(s);
    EXPECT_EQ(d.scalars.at("epoch/val_accuracy").size(), 1u) << file;
  }
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, steps);

  // Without the key, no event file.
  longconv::test::TempDir plain;
  r = run_cli(plain, "train " + std::string(LONGCONV_SOURCE_DIR) +
                         "/configs/fashion_mnist.yaml threads=1 train.max_train_batches=1 train.max_eval_batches=1 "
                         "train.epochs=1 train.out_dir=" +
                         plain.file("run") + " " + overrides);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(event_files(plain.file("run")).empty());
}
