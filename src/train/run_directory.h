// The run directory (train.out_dir) as one transaction. It holds:
//   .lock                  flock'ed for the whole run (holds the holder's pid), so two runs never share a directory
//   config.yaml            the resolved config
//   metrics.jsonl          one line per completed epoch
//   epoch-NNNN.ckpt        the checkpoint after epoch NNNN; epoch-NNNN-batch-MMMMMM.ckpt mid-epoch (preemption,
//                          train.checkpoint_every)
//   manifest.json          the commit point: the last checkpoint, the one before it, and the best as of each
//   last.ckpt, best.ckpt   symbolic links to the manifest's last and best, for eval and users
//   events.out.tfevents.*  with `tensorboard`: TensorBoard event files (a new one per start or resume)
// A checkpoint is written under its own name, then the manifest is replaced atomically (renamed last), then the
// links, the metrics line and the pruning of files the manifest no longer names follow. Every crash point leaves the
// manifest naming complete files; start and resume repair the rest (links, log lines, stale temporaries, orphans).
#pragma once

#include <cstdint>
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

// One checkpoint as the manifest names it.
struct RunCheckpoint {
  std::string file;   // relative to out_dir
  int64_t epoch = 0;  // epochs completed
  int64_t batch = 0;  // batches done in epoch `epoch` + 1 (mid-epoch checkpoints); 0 at an epoch's end
  std::string best;   // the best checkpoint as of this one ("" before any best)
};

struct RunManifest {
  RunCheckpoint last;
  std::optional<RunCheckpoint> previous;  // the good checkpoint before `last`, for --resume-from-previous
};

class RunDirectory {
 public:
  // Creates out_dir if need be and takes its lock; a directory locked by a live run is an error naming its pid.
  // Writes nothing else.
  explicit RunDirectory(RunDirectoryOptions options);
  ~RunDirectory();
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;

  // A new run: refuses a directory that holds a previous run unless `overwrite` (so a forgotten --resume never
  // destroys a run). Writes nothing.
  void check_fresh(bool overwrite);

  // Loads the manifest's last checkpoint into the model, optimizer, schedule and RNG (or, with `from_previous`, the
  // one before it when the last fails to load) and warns on stderr for every key of `config_yaml` that differs from
  // the checkpoint's. Writes nothing.
  CheckpointInfo load_for_resume(const std::string& config_yaml, torch::nn::Module& model,
                                 torch::optim::Optimizer& optimizer, LrSchedule& schedule, bool from_previous);

  // The run passed its first checks: now the directory changes. Removes stale temporaries of dead writers and
  // checkpoints no manifest names; a fresh start removes the previous run's manifest and checkpoints first; writes
  // config.yaml; the log keeps (resume) the lines up to the restored epoch, adding the restored one if a crash lost
  // it, or starts empty.
  void begin(const std::string& config_yaml);
  bool begun() const { return log_ != nullptr; }

  // Commits a checkpoint taken after `epoch` epochs and `batch` more batches; `best`: it is the new best (only at
  // an epoch's end). At an epoch's end `record` (its metrics line) follows the commit, and with tensorboard its
  // numbers as scalars "epoch/<key>" at the record's "step". Returns the checkpoint's path.
  std::string commit(const std::string& checkpoint, int64_t epoch, int64_t batch, bool best,
                     const std::optional<nlohmann::ordered_json>& record);

  // The run's TensorBoard event file (a new one per start or resume); null without tensorboard.
  io::TensorboardWriter* tensorboard() { return tensorboard_.get(); }

  std::string path(const std::string& file) const;  // <out_dir>/<file>
  std::string last_checkpoint() const { return path("last.ckpt"); }
  std::string best_checkpoint() const { return path("best.ckpt"); }
  std::string manifest_path() const { return path("manifest.json"); }
  // The manifest's last checkpoint: after load_for_resume, the one it restored (for the other ranks to load).
  std::string committed_checkpoint() const;

 private:
  void write_manifest() const;
  void remove_stale_files() const;
  void update_links() const;

  RunDirectoryOptions options_;
  int lock_fd_ = -1;
  std::optional<RunManifest> manifest_;  // what is committed (or restored)
  std::string manifest_error_;           // why the manifest there does not read
  bool fresh_ = false;
  std::optional<CheckpointInfo> restored_;
  std::unique_ptr<MetricsLog> log_;
  std::unique_ptr<io::TensorboardWriter> tensorboard_;
};

// The manifest of `out_dir`, nullopt when there is none; a manifest that does not parse is an error naming it.
std::optional<RunManifest> read_run_manifest(const std::string& out_dir);

}  // namespace longconv::train
