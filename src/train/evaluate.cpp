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

ShardReduce shard_reduce(dist::ProcessGroup& group) {
  return {[&group](const torch::Tensor& t) {
            torch::Tensor sum = t.clone();
            group.allreduce(sum);
            return sum;
          },
          [&group](const torch::Tensor& t) { return group.allgather_rows(t); }};
}

EvalResult evaluate(const models::Net& net, Objective& objective, const std::shared_ptr<const data::Dataset>& dataset,
                    const EvalOptions& options) {
  data::LoaderOptions lo = options.loader;
  lo.shuffle = false;
  lo.augment = false;
  if (options.group) {
    lo.shard_rank = options.group->rank();
    lo.shard_count = options.group->size();
  }
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
    if (data::local_size(batch) == 0) continue;  // this rank's slice of a short batch
    batch = to_device(std::move(batch), options.device);
    const torch::Tensor output = models::forward_batch(net, batch);
    loss_sum += objective.loss(output, batch).item<double>() * static_cast<double>(batch.size());
    objective.add(output, batch);
    result.examples += batch.size();
  }
  if (options.group) {
    const auto sums = shard_reduce(*options.group)
                          .sum(torch::tensor({loss_sum, static_cast<double>(result.examples)}, torch::kFloat64));
    loss_sum = sums[0].item<double>();
    result.examples = static_cast<int64_t>(sums[1].item<double>());
    objective.reduce(shard_reduce(*options.group));
  }
  TORCH_CHECK(result.examples > 0, "evaluation on an empty dataset");
  result.loss = loss_sum / static_cast<double>(result.examples);
  result.metric = objective.value();
  return result;
}

}  // namespace longconv::train
