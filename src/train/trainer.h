// The training loop of classification.py: per-batch optimizer and schedule steps, validation and test after every
// epoch, best checkpoint by validation metric. The trainer knows no model: it gets a built models::Net (with its
// regularizer and parameter groups), the dataset's splits and the task's objective; the run directory keeps what
// the run writes (train/run_directory.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "data/dataset.h"
#include "data/loader.h"
#include "dist/grad_reducer.h"
#include "dist/process_group.h"
#include "models/registry.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/objective.h"
#include "train/optimizer.h"
#include "train/run_directory.h"
#include "train/scheduler.h"
#include "util/enum_names.h"

namespace longconv::train {

// What a non-finite training loss does: stop the run (keeping the last checkpoint) or skip the batch (counted in
// metrics.jsonl as skipped_batches).
enum class OnNan { Stop, SkipBatch };
extern const EnumNames<OnNan> kOnNanNames;  // stop, skip_batch

struct TrainerOptions {
  int64_t epochs = 1;
  data::LoaderOptions loader;              // batch_size, prefetch, workers (fit shuffles, augments, seeds)
  std::optional<int64_t> eval_batch_size;  // null: loader.batch_size
  double grad_clip = 0;                    // max gradient norm; 0: off
  // Micro-batches of loader.batch_size per optimizer step: k of them weigh as one batch of k * batch_size.
  int64_t accumulate_grad_steps = 1;
  int64_t log_every = 50;                    // batches between progress lines when stderr is not a terminal
  std::optional<int64_t> max_train_batches;  // caps per epoch, for smoke tests
  std::optional<int64_t> max_eval_batches;
  OptimizerOptions optimizer;
  ScheduleOptions schedule;
  RunDirectoryOptions run;
  std::string checkpoint_every = "0";  // mid-epoch checkpoints: steps ("500") or minutes ("30m"); "0": off
  OnNan on_nan = OnNan::Stop;
  uint64_t seed = 1;  // loader shuffling; the model's initialization is seeded by the caller
  torch::Device device = torch::kCPU;
  bool show_progress = true;  // progress and per-epoch lines on stderr
  dist::DistOptions dist;     // data-parallel runs (a process group given to the Trainer)
  // Data parallel: BatchNorm's batch statistics over the global batch (torch.nn.SyncBatchNorm); otherwise each rank
  // normalises its slice and the running statistics are averaged over the ranks at every epoch's end.
  bool sync_batchnorm = false;
  // Recompute each block's activations in the backward pass instead of keeping them (Net::checkpoint_activations).
  bool checkpoint_activations = false;
  // Resuming a run written by another number of ranks continues (with a warning) instead of failing: the sums
  // change order and each rank's dropout stream, so it is not the run that world size would have made.
  bool allow_world_size_change = false;
};
// OptionError naming the field for any value out of range, and the nested options' own rules.
void validate(const TrainerOptions& options);

// The evaluation options of a training run: its eval batch size, loader threads, cap and device.
EvalOptions eval_options(const TrainerOptions& options);

struct TrainResult {
  int64_t epochs_done = 0;
  int64_t best_epoch = 0;  // 1-based
  double best_val_metric = 0;
  double best_test_metric = 0;  // the reported final result
};

class Trainer {
 public:
  // Moves the module to `options.device`. `config_yaml` (the resolved config) goes to config.yaml and checkpoints.
  // With a process group (dist/process_group.h, kept alive by the caller) the run is data parallel as PyTorch's
  // DistributedDataParallel: the ranks check they run the same config, take rank 0's parameters and buffers, each
  // trains on its slice of every global batch of loader.batch_size with gradients summed over the ranks, and only
  // rank 0 prints and writes the run directory.
  Trainer(models::Net net, data::Splits splits, std::unique_ptr<Objective> objective, TrainerOptions options,
          std::string config_yaml, dist::ProcessGroup* group = nullptr);

  // Trains to `options.epochs` in the run directory, which changes only once the first batch gave a finite loss.
  // `resume`: continue from the last committed checkpoint, mid-epoch ones included (bit-identical to an
  // uninterrupted run on the same thread count); `from_previous`: from the one before it if the last fails to
  // load; otherwise a fresh start (RunDirectory::check_fresh). SIGTERM, SIGINT or SIGUSR1 save a mid-epoch
  // checkpoint at the next batch boundary and throw Preempted (train/preemption.h).
  TrainResult fit(bool resume, bool overwrite = false, bool from_previous = false);

  const Objective& objective() const { return *objective_; }
  const TrainerOptions& options() const { return options_; }

 private:
  struct EpochStats;
  EpochStats train_epoch(int64_t epoch, data::DataLoader& loader, int64_t n_batches, torch::optim::Optimizer& optimizer,
                         const std::vector<double>& lr_ratios, LrSchedule& schedule, RunDirectory* run,
                         CheckpointInfo& info);
  // Runs `action` on the process that writes the run directory (rank 0), every rank failing with its error.
  void on_writer(const std::string& key, const std::function<void()>& action);
  // The run directory changes from here on (RunDirectory::begin on the writer).
  void begin_run(RunDirectory* run);
  // This rank's running sums of the epoch, its RNG states and the objective's accumulation, serialised.
  std::string rank_epoch_state(double loss_sum, double lr, int64_t examples, int64_t skipped) const;
  EvalResult evaluate_split(const std::shared_ptr<const data::Dataset>& dataset);
  bool penalized() const;
  int world_size() const { return group_ ? group_->size() : 1; }

  models::Net net_;
  data::Splits splits_;
  std::unique_ptr<Objective> objective_;
  TrainerOptions options_;
  std::string config_yaml_;
  dist::ProcessGroup* group_ = nullptr;
  std::unique_ptr<dist::GradReducer> reducer_;
  bool begun_ = false;                               // the run directory has begun changing
  std::chrono::steady_clock::time_point last_save_;  // of the last mid-epoch checkpoint (train.checkpoint_every)
};

}  // namespace longconv::train
