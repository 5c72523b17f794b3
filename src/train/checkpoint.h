// Training checkpoints: everything needed to continue a run bit-identically, in one torch::serialize archive.
//
// Layout: "format", "model" (params and buffers by state_dict name), "optimizer", "scheduler", "epoch", "best_epoch",
// "best_val_metric", "best_test_metric", "config" (resolved YAML), "metrics" (the epoch's log line), "batch" and
// "epoch_state" (mid-epoch only), "rng_cpu" and, for CUDA runs, "rng_cuda" (default generator states, so dropout
// continues the same stream).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "train/scheduler.h"

namespace longconv::train {

struct CheckpointInfo {
  int64_t epoch = 0;       // epochs completed
  int64_t best_epoch = 0;  // 1-based; 0: none yet
  double best_val_metric = -std::numeric_limits<double>::infinity();
  double best_test_metric = std::numeric_limits<double>::quiet_NaN();
  std::string config_yaml;
  std::string metrics_json;
  // A mid-epoch checkpoint (preemption, train.checkpoint_every): batches done in epoch `epoch` + 1 and the trainer's
  // running sums of that epoch; 0 and empty at an epoch's end.
  int64_t batch = 0;
  std::vector<torch::Tensor> epoch_state;
};

// The state of the default generator of `device` (a uint8 tensor), and setting it back.
torch::Tensor rng_state(torch::Device device);
void set_rng_state(torch::Device device, const torch::Tensor& state);

// The checkpoint's bytes; the RNG states are taken from the default generators now.
std::string encode_checkpoint(const torch::nn::Module& model, const torch::optim::Optimizer& optimizer,
                              const LrSchedule& schedule, const CheckpointInfo& info);

// Every load first checks the CRC-32 of each record of the archive: a corrupt byte anywhere is an error naming `path`
// and the record ("record 'archive/data/7' (4096 bytes) fails its CRC-32 check ...").

// Checks `path` as load_checkpoint would, without a model: the CRC-32s, the format, the model entries being tensors
// and the optimizer, scheduler and RNG entries being present. Returns its info; throws what load_checkpoint would.
// For choosing a checkpoint to resume from (e.g. falling back to the previous epoch's when the last one is damaged).
CheckpointInfo verify_checkpoint(const std::string& path);

// The facts of the checkpoint at `path` (epochs, best metrics, the resolved config), without a model to load into.
// Every fault names `path`.
CheckpointInfo read_checkpoint_info(const std::string& path);

// Reads `path` and loads the model strictly (missing/unexpected keys listed). When non-null, also restores the
// optimizer and the schedule; `restore_rng` sets the default generators' states. Every fault names `path`.
CheckpointInfo load_checkpoint(const std::string& path, torch::nn::Module& model,
                               torch::optim::Optimizer* optimizer = nullptr, LrSchedule* schedule = nullptr,
                               bool restore_rng = false);

}  // namespace longconv::train
