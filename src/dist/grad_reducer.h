// DistributedDataParallel's gradient averaging: parameters are grouped into buckets of about DistOptions::bucket_mb
// in reverse registration order (roughly the order backward produces their gradients); a hook on each parameter
// copies its gradient into its bucket, and a bucket whose gradients are all in starts its all-reduce at once, so
// communication overlaps the rest of the backward pass. Buckets start in index order on every rank (the collectives
// must match). finish() fills what backward never reached (unused parameters, or a rank whose slice of the batch
// was empty) from the gradient as it stands, so no rank waits forever, waits for every bucket and writes the summed
// gradients into the parameters' .grad.
//
// The sum is the mean of the one-process run when each rank scales its loss by n_local / n_global (the trainer does).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <torch/torch.h>

#include "dist/process_group.h"

namespace longconv::dist {

class GradReducer {
 public:
  GradReducer(ProcessGroup& group, std::vector<torch::Tensor> parameters, double bucket_mb);
  ~GradReducer();
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  // Before the backward of the last micro-batch of an optimizer step: its hooks reduce. Earlier micro-batches
  // backpropagate without it and only accumulate locally (no communication).
  void arm();
  // After that backward (or instead of it, for an empty local batch): every bucket reduced, .grad set.
  void finish();

  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Seconds finish() spent waiting for all-reduces since the last call (the communication backward did not hide).
  double take_wait_seconds();

 private:
  struct Bucket {
    torch::Tensor flat;
    std::vector<size_t> params;    // indices into params_
    std::vector<int64_t> offsets;  // of each in flat
    int64_t pending = 0;           // gradients not yet in
    c10::intrusive_ptr<c10d::Work> work;
  };

  void on_grad(size_t param, const torch::Tensor& grad);
  void launch_ready();  // mu_ held

  ProcessGroup& group_;
  std::vector<torch::Tensor> params_;
  std::vector<size_t> bucket_of_;
  std::vector<bool> arrived_;
  std::vector<Bucket> buckets_;
  std::vector<unsigned> hook_ids_;
  std::mutex mu_;
  bool armed_ = false;
  size_t next_launch_ = 0;
  double wait_seconds_ = 0;
};

}  // namespace longconv::dist
