// The training loop of classification.py: per-batch optimizer and schedule steps, validation and test after every
// epoch, best checkpoint by validation metric, metrics log, and resuming from the last checkpoint.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "data/dataset.h"
#include "data/loader.h"
#include "models/registry.h"
#include "train/objective.h"
#include "train/scheduler.h"

namespace longconv::train {

struct TrainerOptions {
  int64_t epochs = 1;
  int64_t batch_size = 64;
  int64_t eval_batch_size = 64;
  double grad_clip = 0;  // max gradient norm; 0: off
  std::string out_dir = "runs/default";
  int64_t log_every = 50;
  int64_t prefetch = 4;
  int64_t workers = 1;
  std::optional<int64_t> max_train_batches;  // caps per epoch, for smoke tests
  std::optional<int64_t> max_eval_batches;
  std::string optimizer = "AdamW";  // AdamW | Adam
  double lr = 1e-2;
  double weight_decay = 1e-2;
  // optimizer: the optimizer's own decay (decoupled for AdamW, L2 for Adam); ln_loss: the reference CCNN's scheme,
  // weight_decay * net.regularizer() added to the training loss and no decay in the optimizer.
  std::string weight_decay_type = "optimizer";
  std::map<std::string, double> group_lr_ratios;  // lr ratio per models::Net::param_groups name, e.g. {"mask", 0.1}
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  std::string schedule = "cosine";  // cosine | constant
  double warmup_epochs = 0;
  uint64_t seed = 1;  // loader shuffling; the model's initialization is seeded by the caller
  torch::Device device = torch::kCPU;
  bool show_progress = true;  // progress and per-epoch lines on stderr
};

struct EvalResult {
  double loss = 0;  // mean over examples
  double metric = 0;
  int64_t examples = 0;
};

struct TrainResult {
  int64_t epochs_done = 0;
  int64_t best_epoch = 0;  // 1-based
  double best_val_metric = 0;
  double best_test_metric = 0;  // the reported final result
};

class Trainer {
 public:
  // Moves the module to `options.device`. `config_yaml` (the resolved config) goes to config.yaml and checkpoints.
  Trainer(models::Net net, data::Splits splits, std::unique_ptr<Objective> objective, TrainerOptions options,
          std::string config_yaml);

  // Trains to `options.epochs`, writing <out_dir>/config.yaml, metrics.jsonl, last.ckpt and best.ckpt.
  // `resume`: continue after the epoch stored in <out_dir>/last.ckpt (bit-identical to an uninterrupted run on the
  // same thread count); otherwise start afresh, emptying metrics.jsonl. A fresh start refuses a directory that holds
  // a previous run's last.ckpt unless `overwrite` is set, so a forgotten --resume never destroys a run.
  TrainResult fit(bool resume, bool overwrite = false);

  // Validation (or test) loss and metric in eval mode, without gradients.
  EvalResult evaluate(const std::shared_ptr<const data::Dataset>& dataset);

  const Objective& objective() const { return *objective_; }
  const TrainerOptions& options() const { return options_; }

 private:
  struct EpochStats;
  EpochStats train_epoch(int64_t epoch, data::DataLoader& loader, int64_t n_batches, torch::optim::Optimizer& optimizer,
                         const std::vector<double>& lr_ratios, LrSchedule& schedule);
  data::Batch to_device(data::Batch batch) const;

  models::Net net_;
  data::Splits splits_;
  std::unique_ptr<Objective> objective_;
  TrainerOptions options_;
  std::string config_yaml_;
};

}  // namespace longconv::train
