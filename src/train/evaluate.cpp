#include "train/evaluate.h"

namespace longconv::train {

data::Batch to_device(data::Batch batch, const torch::Device& device) {
  batch.x = batch.x.to(device);
  batch.y = batch.y.to(device);
  if (batch.lengths.defined()) batch.lengths = batch.lengths.to(device);
  if (batch.rel_pos.defined()) batch.rel_pos = batch.rel_pos.to(device);
  if (batch.sorted_indices.defined()) batch.sorted_indices = batch.sorted_indices.to(device);
  return batch;
}

EvalResult evaluate(const models::Net& net, Objective& objective, const std::shared_ptr<const data::Dataset>& dataset,
                    const EvalOptions& options) {
  data::LoaderOptions lo = options.loader;
  lo.shuffle = false;
  lo.augment = false;
  data::DataLoader loader(dataset, lo);
  const int64_t n_batches =
      options.max_batches ? std::min(loader.num_batches(), *options.max_batches) : loader.num_batches();

  torch::NoGradGuard no_grad;
  net.module->eval();
  objective.reset();
  loader.start_epoch(0);
  EvalResult result;
  double loss_sum = 0;
  data::Batch batch;
  for (int64_t i = 0; i < n_batches && loader.next(batch); ++i) {
    batch = to_device(std::move(batch), options.device);
    const torch::Tensor output = models::forward_batch(net, batch);
    loss_sum += objective.loss(output, batch).item<double>() * static_cast<double>(batch.size());
    objective.add(output, batch);
    result.examples += batch.size();
  }
  TORCH_CHECK(result.examples > 0, "evaluation on an empty dataset");
  result.loss = loss_sum / static_cast<double>(result.examples);
  result.metric = objective.value();
  return result;
}

}  // namespace longconv::train
