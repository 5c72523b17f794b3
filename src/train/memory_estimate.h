// The training memory estimate of `longconv info`, and the check `longconv train` makes with it before allocating.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "models/registry.h"

namespace longconv::train {

struct TrainingMemory {
  int64_t parameters = 0;
  double parameter_bytes = 0;
  double state_bytes = 0;                  // parameters, gradients, AdamW's two moments
  std::optional<double> activation_bytes;  // at the batch size; nullopt when the net type does not estimate them
  double total() const { return state_bytes + activation_bytes.value_or(0); }
};

// `facts`: the net type's describe(net) (its activation bytes per example), at `batch_size` examples per step.
TrainingMemory estimate_training_memory(const models::Net& net, const models::NetFacts& facts, int64_t batch_size);

// "1.50 GiB".
std::string format_bytes(double bytes);

// Memory free for a run on `device`: MemAvailable of /proc/meminfo on the CPU; nullopt where unknown (CUDA, no
// /proc).
std::optional<double> available_memory(torch::Device device);

// Throws std::runtime_error with the estimate, the available memory and the key to change (train.batch_size) when
// the estimate at `batch_size` exceeds what `device` has free.
void check_training_memory(const TrainingMemory& memory, int64_t batch_size, torch::Device device);

}  // namespace longconv::train
