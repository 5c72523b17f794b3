// A benchmark workload built from one of the repo's paper configs as `longconv train` builds it (net, optimizer,
// objective, ln_loss penalty), on random inputs of a stated shape: one training step, one inference forward, or (for
// MultiresAR) drawing `batch` whole images by streaming.
// bench/compare_official.sh times the same workloads in the official code (bench/official/time_official.py).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "config/config.h"
#include "data/dataset.h"
#include "models/registry.h"
#include "train/objective.h"
#include "train/trainer.h"

namespace longconv::bench {

enum class Mode { Train, Infer, Sample };

struct Workload {
  std::string config;                  // path under configs/, e.g. "ccnn/smnist_4_140.yaml"
  std::vector<std::string> overrides;  // applied after the file, e.g. "conv.path=fft"
  data::DatasetInfo info;              // what the dataset would report (channels, classes, tokens, shape)
  int64_t batch = 1;
  Mode mode = Mode::Train;  // Infer: eval-mode forward without gradients
};

// A classification dataset's facts: `d_input` channels (1 for tokens), `d_output` classes, the spatial shape, and
// the vocabulary size for token inputs.
data::DatasetInfo classification(int64_t d_input, int64_t d_output, std::vector<int64_t> spatial_shape,
                                 int64_t n_tokens = 0);

class WorkloadStep {
 public:
  explicit WorkloadStep(const Workload& workload);
  // One step; returns the loss (training) or the output's sum (inference) so the work cannot be elided.
  float operator()();

 private:
  Workload workload_;
  Config config_;
  models::Net net_;
  train::TrainerOptions options_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::unique_ptr<train::Objective> objective_;
  data::Batch batch_;
};

// The workload of bench_paper_workloads.cpp with that name (compare_official.sh's names), or nullptr.
const Workload* find_workload(const std::string& name);

// Times `workload`'s steps after one untimed step (CCNN's first forward runs the Chang initialisation, and the first
// step grows the heap: neither is a step's cost).
void run_workload(benchmark::State& state, const Workload& workload);

}  // namespace longconv::bench
