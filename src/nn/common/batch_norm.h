// BatchNorm over the channels (dim 1) of [B, C, *spatial], as torch.nn.BatchNorm1d/2d/3d, with the same parameter
// and buffer names (weight, bias, running_mean, running_var, num_batches_tracked), and optionally synchronised over
// the processes of a data-parallel run (torch.nn.SyncBatchNorm): the batch statistics and their gradients are then
// those of the global batch, so N processes normalise exactly as one process with the whole batch would.
#pragma once

#include <functional>
#include <vector>

#include <torch/torch.h>

namespace longconv::nn {

// Sums each tensor in place over every process of the run (an all-reduce), blocking.
using AllReduceSum = std::function<void(std::vector<torch::Tensor>&)>;

struct BatchNormOptions {
  explicit BatchNormOptions(int64_t num_features) : num_features_(num_features) {}
  TORCH_ARG(int64_t, num_features);
  TORCH_ARG(double, eps) = 1e-5;
  TORCH_ARG(double, momentum) = 0.1;
};

class BatchNormImpl : public torch::nn::Module {
 public:
  explicit BatchNormImpl(BatchNormOptions options);
  explicit BatchNormImpl(int64_t num_features) : BatchNormImpl(BatchNormOptions(num_features)) {}
  torch::Tensor forward(const torch::Tensor& x);
  void pretty_print(std::ostream& stream) const override;

  // In training mode, compute the statistics over the batches of every process through `sum` (unset: this
  // process's batch only).
  void synchronize(AllReduceSum sum) { sync_ = std::move(sum); }

  BatchNormOptions options;
  torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

 private:
  AllReduceSum sync_;
};
TORCH_MODULE(BatchNorm);

}  // namespace longconv::nn
