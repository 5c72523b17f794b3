// Validation or test loss and metric of a net on a dataset, in eval mode and without gradients; shared by training,
// `longconv eval` and anything else that scores a model.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include <torch/torch.h>

#include "data/dataset.h"
#include "data/loader.h"
#include "dist/process_group.h"
#include "models/registry.h"
#include "train/objective.h"

namespace longconv::train {

struct EvalOptions {
  data::LoaderOptions loader;          // batch_size, prefetch, workers (never shuffled or augmented)
  std::optional<int64_t> max_batches;  // cap, for smoke tests
  torch::Device device = torch::kCPU;  // where the net is
  // Data parallel: each rank scores its slice of every batch and the sums are reduced, so every rank gets the
  // result of one process that saw every example. Null: one process.
  dist::ProcessGroup* group = nullptr;
};

struct EvalResult {
  double loss = 0;  // mean over examples
  double metric = 0;
  int64_t examples = 0;
};

// Batches moved to `device`.
data::Batch to_device(data::Batch batch, const torch::Device& device);

// The collectives of `group` that Objective::reduce needs.
ShardReduce shard_reduce(dist::ProcessGroup& group);

// Resets and fills `objective`; TORCH_CHECK on an empty dataset.
EvalResult evaluate(const models::Net& net, Objective& objective, const std::shared_ptr<const data::Dataset>& dataset,
                    const EvalOptions& options);

}  // namespace longconv::train
