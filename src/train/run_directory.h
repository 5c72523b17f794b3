// The run directory (train.out_dir) and everything a run keeps there: config.yaml (the resolved config),
// metrics.jsonl (one line per epoch), last.ckpt and best.ckpt, and with `tensorboard` TensorBoard event files. It owns
// the policy of a fresh start (never over a previous run unless asked), of resuming, and of committing an epoch.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "io/tensorboard_writer.h"
#include "train/checkpoint.h"
#include "train/metrics_log.h"
#include "train/scheduler.h"

namespace longconv::train {

struct RunDirectoryOptions {
  std::string out_dir = "runs/default";
  bool tensorboard = false;  // event files beside metrics.jsonl, for `tensorboard --logdir`
};
void validate(const RunDirectoryOptions& options);  // a non-empty path

class RunDirectory {
 public:
  explicit RunDirectory(RunDirectoryOptions options);

  // A new run: refuses a directory that holds a previous run's last.ckpt unless `overwrite` (so a forgotten --resume
  // never destroys a run); writes config.yaml and empties metrics.jsonl.
  void start(const std::string& config_yaml, bool overwrite);

  // Continues the run in last.ckpt: restores the model, optimizer, schedule and RNG, warns on stderr for every key
  // of `config_yaml` that differs from the checkpoint's, writes config.yaml and appends to metrics.jsonl (adding the
  // last epoch's line if a crash lost it).
  CheckpointInfo resume(const std::string& config_yaml, torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                        LrSchedule& schedule);

  // Commits an epoch: last.ckpt (and best.ckpt when `best`) atomically, then its metrics line; with tensorboard, the
  // line's numbers also as scalars "epoch/<key>" at the record's "step".
  void commit_epoch(const std::string& checkpoint, bool best, const nlohmann::ordered_json& record);

  // The run's TensorBoard event file (a new one per start or resume); null without tensorboard.
  io::TensorboardWriter* tensorboard() { return tensorboard_.get(); }

  std::string path(const std::string& file) const;  // <out_dir>/<file>
  std::string last_checkpoint() const { return path("last.ckpt"); }
  std::string best_checkpoint() const { return path("best.ckpt"); }

 private:
  void write_config(const std::string& config_yaml);

  RunDirectoryOptions options_;
  std::unique_ptr<MetricsLog> log_;
  std::unique_ptr<io::TensorboardWriter> tensorboard_;
};

}  // namespace longconv::train
