#include "train/trainer.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "dist/config_agreement.h"
#include "dist/module_sync.h"
#include "nn/common/batch_norm.h"
#include "train/checkpoint.h"
#include "train/progress.h"
#include "util/option_check.h"
#include "util/random.h"

namespace longconv::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int64_t capped(int64_t n, const std::optional<int64_t>& cap) { return cap ? std::min(n, *cap) : n; }

}  // namespace

void validate(const TrainerOptions& o) {
  check_option(o.epochs, at_least(1), "TrainerOptions::epochs");
  check_option(o.loader.batch_size, at_least(1), "TrainerOptions::loader.batch_size");
  check_option(o.loader.prefetch, at_least(1), "TrainerOptions::loader.prefetch");
  check_option(o.loader.workers, in_closed(1, 256), "TrainerOptions::loader.workers");
  check_option(o.eval_batch_size, at_least(1), "TrainerOptions::eval_batch_size");
  check_option(o.grad_clip, at_least(0), "TrainerOptions::grad_clip");
  check_option(o.accumulate_grad_steps, at_least(1), "TrainerOptions::accumulate_grad_steps");
  check_option(o.log_every, at_least(1), "TrainerOptions::log_every");
  check_option(o.max_train_batches, at_least(1), "TrainerOptions::max_train_batches");
  check_option(o.max_eval_batches, at_least(1), "TrainerOptions::max_eval_batches");
  validate(o.optimizer);
  validate(o.schedule);
  validate(o.run);
  validate(o.dist);
}

EvalOptions eval_options(const TrainerOptions& o) {
  EvalOptions e;
  e.loader = o.loader;
  e.loader.batch_size = o.eval_batch_size.value_or(o.loader.batch_size);
  e.max_batches = o.max_eval_batches;
  e.device = o.device;
  return e;
}

struct Trainer::EpochStats {
  double loss = 0;
  double metric = 0;
  double lr = 0;
  int64_t examples = 0;
  double seconds = 0;
  double allreduce_wait_seconds = 0;
};

Trainer::Trainer(models::Net net, data::Splits splits, std::unique_ptr<Objective> objective, TrainerOptions options,
                 std::string config_yaml, dist::ProcessGroup* group)
    : net_(std::move(net)),
      splits_(std::move(splits)),
      objective_(std::move(objective)),
      options_(std::move(options)),
      config_yaml_(std::move(config_yaml)),
      group_(group) {
  TORCH_CHECK(net_.module && (net_.forward || net_.point_forward), "Trainer: the net has no module or forward");
  TORCH_CHECK(objective_, "Trainer: no objective");
  validate(options_);
  TORCH_CHECK(!penalized() || net_.regularizer,
              "weight_decay_type ln_loss needs a net type that defines a regularizer; this one has none");
  net_.module->to(options_.device);
  if (group_) {
    TORCH_CHECK(options_.loader.batch_size % group_->size() == 0, "train.batch_size ", options_.loader.batch_size,
                " is the global batch and must divide by the ", group_->size(), " ranks");
    dist::check_same_config(*group_, config_yaml_);
    dist::broadcast_module(*group_, *net_.module);
    if (options_.sync_batchnorm)
      for (const auto& m : net_.module->modules())
        if (auto* bn = dynamic_cast<nn::BatchNormImpl*>(m.get()))
          bn->synchronize([group = group_](std::vector<torch::Tensor>& tensors) {
            for (auto& t : tensors) group->allreduce(t);
          });
    reducer_ = std::make_unique<dist::GradReducer>(*group_, net_.module->parameters(), options_.dist.bucket_mb);
    if (group_->rank() != 0) options_.show_progress = false;
  }
}

// As the reference, ln_loss adds weight_decay times the net's regularizer to the training loss.
bool Trainer::penalized() const {
  return options_.optimizer.weight_decay_type == WeightDecayType::LnLoss && options_.optimizer.weight_decay > 0;
}

EvalResult Trainer::evaluate_split(const std::shared_ptr<const data::Dataset>& dataset) {
  EvalOptions e = eval_options(options_);
  e.group = group_;
  return evaluate(net_, *objective_, dataset, e);
}

Trainer::EpochStats Trainer::train_epoch(int64_t epoch, data::DataLoader& loader, int64_t n_batches,
                                         torch::optim::Optimizer& optimizer, const std::vector<double>& lr_ratios,
                                         LrSchedule& schedule, io::TensorboardWriter* tensorboard) {
  Progress progress(stderr, Progress::stderr_is_terminal(), options_.log_every);
  const auto params = net_.module->parameters();
  net_.module->train();
  objective_->reset();
  loader.start_epoch(epoch);
  // Each rank draws dropout from its own stream, restarted every epoch so that resuming is exact on every rank.
  if (group_)
    torch::manual_seed(mix_seed(options_.seed, static_cast<uint64_t>(group_->rank()), static_cast<uint64_t>(epoch)));

  EpochStats stats;
  double loss_sum = 0;
  const auto start = Clock::now();
  data::Batch batch;
  const int64_t accumulate = options_.accumulate_grad_steps;
  double step_examples = 0;  // examples of all ranks in the optimizer step's micro-batches
  for (int64_t i = 0; i < n_batches && loader.next(batch); ++i) {
    const bool first = i % accumulate == 0;
    const bool last = (i + 1) % accumulate == 0 || i + 1 == n_batches;
    if (first) {
      stats.lr = schedule.lr();
      schedule.apply(optimizer, lr_ratios);
      optimizer.zero_grad();
      step_examples = 0;
      for (int64_t j = i; j < std::min(i + accumulate, n_batches); ++j)
        step_examples += static_cast<double>(loader.batch_examples(j));
    }
    // The summed gradients are the mean over the step's examples (of every rank and micro-batch), as one process
    // with one batch computes it, when each micro-batch's mean loss weighs by its share of them (exact also for a
    // short last batch); the penalty, the same on every rank and micro-batch, weighs 1 / (ranks * micro-batches).
    const int64_t n_local = data::local_size(batch);
    const double share = static_cast<double>(n_local) / step_examples;
    const int64_t micro_batches = std::min(accumulate, n_batches - (i / accumulate) * accumulate);
    torch::Tensor output;
    double loss_value = 0;
    if (n_local > 0) {
      batch = to_device(std::move(batch), options_.device);
      output = models::forward_batch(net_, batch);
      const torch::Tensor loss = objective_->loss(output, batch);
      loss_value = loss.item<double>();
      // A diverged run only gets worse; stopping keeps the last good checkpoint as the latest.
      TORCH_CHECK(std::isfinite(loss_value), "training loss is ", loss_value, " at epoch ", epoch + 1, ", batch ",
                  i + 1, "; try a lower optimizer.lr or set train.grad_clip");
      // As the reference, the logged training loss leaves the penalty out.
      torch::Tensor total = group_ || accumulate > 1 ? loss * share : loss;
      if (penalized())
        total = total + options_.optimizer.weight_decay / static_cast<double>(world_size() * micro_batches) *
                            net_.regularizer();
      if (reducer_ && last) reducer_->arm();
      total.backward();
    } else if (reducer_ && last) {
      reducer_->arm();
    }
    if (last) {
      if (reducer_) reducer_->finish();
      if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options_.grad_clip);
      optimizer.step();
      schedule.step();
      if (tensorboard) {
        tensorboard->scalar("step/train_loss", schedule.step_count(), loss_value);
        tensorboard->scalar("step/lr", schedule.step_count(), stats.lr);
      }
    }

    if (n_local > 0) {
      torch::NoGradGuard no_grad;
      objective_->add(output.detach(), batch);
    }
    loss_sum += loss_value * static_cast<double>(n_local);
    stats.examples += n_local;

    if (options_.show_progress) {
      const double elapsed = seconds_since(start);
      const double per_batch = elapsed / static_cast<double>(i + 1);
      progress.update({epoch + 1, options_.epochs, i + 1, n_batches, loss_sum / static_cast<double>(stats.examples),
                       fmt::format("{} {}", objective_->name(), objective_->format(objective_->value())), stats.lr,
                       static_cast<double>(stats.examples) / std::max(elapsed, 1e-9),
                       per_batch * static_cast<double>(n_batches - i - 1)});
    }
  }
  if (options_.show_progress) progress.finish();
  if (group_) {
    const ShardReduce ranks = shard_reduce(*group_);
    const auto sums = ranks.sum(torch::tensor({loss_sum, static_cast<double>(stats.examples)}, torch::kFloat64));
    loss_sum = sums[0].item<double>();
    stats.examples = static_cast<int64_t>(sums[1].item<double>());
    objective_->reduce(ranks);
    if (!options_.sync_batchnorm) dist::average_buffers(*group_, *net_.module);
  }
  TORCH_CHECK(stats.examples > 0, "the training set yielded no batch in epoch ", epoch + 1);
  stats.seconds = seconds_since(start);
  if (reducer_) stats.allreduce_wait_seconds = reducer_->take_wait_seconds();
  stats.loss = loss_sum / static_cast<double>(stats.examples);
  stats.metric = objective_->value();
  return stats;
}

TrainResult Trainer::fit(bool resume, bool overwrite) {
  TORCH_CHECK(splits_.train && splits_.test, "Trainer: the dataset has no training or test split");
  TORCH_CHECK(splits_.val,
              "the dataset has no validation split, which picks the best epoch; set dataset.val_split > 0");
  data::LoaderOptions lo = options_.loader;
  lo.shuffle = true;
  lo.augment = true;
  lo.seed = options_.seed;
  if (group_) {
    lo.shard_rank = group_->rank();
    lo.shard_count = group_->size();
  }
  data::DataLoader train_loader(splits_.train, lo);
  const int64_t n_batches = capped(train_loader.num_batches(), options_.max_train_batches);
  TORCH_CHECK(n_batches > 0, "the training set is empty");
  // A synchronised BatchNorm needs every rank in every forward; a short last batch must leave none without data.
  if (group_ && options_.sync_batchnorm)
    TORCH_CHECK(train_loader.batch_examples(n_batches - 1) >= group_->size(),
                "train.sync_batchnorm: the last batch of ", "an epoch holds ",
                train_loader.batch_examples(n_batches - 1), " examples, fewer than the ", group_->size(),
                " ranks; change train.batch_size or the dataset size");

  RunOptimizer run_optimizer = make_optimizer(options_.optimizer, net_);
  torch::optim::Optimizer& optimizer = *run_optimizer.optimizer;
  const int64_t steps_per_epoch = (n_batches + options_.accumulate_grad_steps - 1) / options_.accumulate_grad_steps;
  LrSchedule schedule(options_.schedule, options_.optimizer.lr, options_.epochs * steps_per_epoch, steps_per_epoch);

  // Rank 0 owns the run directory; the others read the checkpoint it resumes from.
  const bool writer = !group_ || group_->rank() == 0;
  RunDirectory run(options_.run);
  CheckpointInfo info;
  const auto begin = [&] {
    if (resume)
      info = run.resume(config_yaml_, *net_.module, optimizer, schedule);
    else
      run.start(config_yaml_, overwrite);
  };
  if (group_) {
    group_->on_rank0("start", begin);
    if (!writer && resume) info = load_checkpoint(run.last_checkpoint(), *net_.module, &optimizer, &schedule);
  } else {
    begin();
  }
  if (resume) {
    // The epoch's log line records the ranks of a multi-process run; a line without it is one process's.
    const auto last = nlohmann::json::parse(info.metrics_json.empty() ? "{}" : info.metrics_json);
    const int64_t saved = last.value("world_size", int64_t{1});
    if (saved != world_size()) {
      TORCH_CHECK(options_.allow_world_size_change, run.last_checkpoint(), " was written by a run of ", saved,
                  " process(es); resuming it with ", world_size(),
                  " cannot continue bit-exactly (pass --allow-world-size-change to continue anyway)");
      if (writer)
        fmt::print(stderr, "warning: resuming a run of {} process(es) with {}: not bit-exact\n", saved, world_size());
    }
  }

  const std::string metric = objective_->name();
  for (int64_t epoch = info.epoch; epoch < options_.epochs; ++epoch) {
    const EpochStats train =
        train_epoch(epoch, train_loader, n_batches, optimizer, run_optimizer.lr_ratios, schedule, run.tensorboard());
    const EvalResult val = evaluate_split(splits_.val);
    const EvalResult test = evaluate_split(splits_.test);

    // Ties go to the later epoch, as the reference's `>=`; a NaN metric never wins.
    const bool best = objective_->higher_is_better() ? val.metric >= info.best_val_metric
                      : info.best_epoch == 0         ? !std::isnan(val.metric)
                                                     : val.metric <= info.best_val_metric;
    if (best) {
      info.best_epoch = epoch + 1;
      info.best_val_metric = val.metric;
      info.best_test_metric = test.metric;
    }
    info.epoch = epoch + 1;
    nlohmann::ordered_json record = {
        {"epoch", epoch + 1},
        {"step", schedule.step_count()},
        {"train_loss", train.loss},
        {"train_" + metric, train.metric},
        {"val_loss", val.loss},
        {"val_" + metric, val.metric},
        {"test_loss", test.loss},
        {"test_" + metric, test.metric},
        {"lr", train.lr},
        {"epoch_seconds", train.seconds},
        {"samples_per_second", static_cast<double>(train.examples) / std::max(train.seconds, 1e-9)}};
    // Rank 0's time waiting for gradient all-reduces that backward did not hide.
    if (reducer_) {
      record["allreduce_wait_seconds"] = train.allreduce_wait_seconds;
      record["world_size"] = world_size();
    }
    info.metrics_json = record.dump();
    info.config_yaml = config_yaml_;
    const auto commit = [&] {
      run.commit_epoch(encode_checkpoint(*net_.module, optimizer, schedule, info), best, record);
    };
    if (group_)
      group_->on_rank0(fmt::format("epoch/{}", epoch + 1), commit);
    else
      commit();
    if (auto* tensorboard = run.tensorboard(); tensorboard && net_.histograms)
      for (const auto& [tag, values] : net_.histograms())
        if (!values.empty()) tensorboard->histogram(tag, schedule.step_count(), values);

    if (options_.show_progress)
      fmt::print(stderr, "epoch {}/{}: train loss {:.4f} {} {} | val loss {:.4f} {} {} | test loss {:.4f} {} {}{}\n",
                 epoch + 1, options_.epochs, train.loss, metric, objective_->format(train.metric), val.loss, metric,
                 objective_->format(val.metric), test.loss, metric, objective_->format(test.metric),
                 best ? " (best)" : "");
  }
  TORCH_CHECK(info.best_epoch > 0, run.last_checkpoint(), ": records no best epoch");
  return {info.epoch, info.best_epoch, info.best_val_metric, info.best_test_metric};
}

}  // namespace longconv::train
