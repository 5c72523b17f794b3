#include "train/trainer.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "train/checkpoint.h"
#include "train/progress.h"
#include "util/option_check.h"

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
  check_option(o.log_every, at_least(1), "TrainerOptions::log_every");
  check_option(o.max_train_batches, at_least(1), "TrainerOptions::max_train_batches");
  check_option(o.max_eval_batches, at_least(1), "TrainerOptions::max_eval_batches");
  validate(o.optimizer);
  validate(o.schedule);
  validate(o.run);
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
};

Trainer::Trainer(models::Net net, data::Splits splits, std::unique_ptr<Objective> objective, TrainerOptions options,
                 std::string config_yaml)
    : net_(std::move(net)),
      splits_(std::move(splits)),
      objective_(std::move(objective)),
      options_(std::move(options)),
      config_yaml_(std::move(config_yaml)) {
  TORCH_CHECK(net_.module && net_.forward, "Trainer: the net has no module or forward");
  TORCH_CHECK(objective_, "Trainer: no objective");
  validate(options_);
  TORCH_CHECK(!penalized() || net_.regularizer,
              "weight_decay_type ln_loss needs a net type that defines a regularizer; this one has none");
  net_.module->to(options_.device);
}

// As the reference, ln_loss adds weight_decay times the net's regularizer to the training loss.
bool Trainer::penalized() const {
  return options_.optimizer.weight_decay_type == WeightDecayType::LnLoss && options_.optimizer.weight_decay > 0;
}

EvalResult Trainer::evaluate_split(const std::shared_ptr<const data::Dataset>& dataset) {
  return evaluate(net_, *objective_, dataset, eval_options(options_));
}

Trainer::EpochStats Trainer::train_epoch(int64_t epoch, data::DataLoader& loader, int64_t n_batches,
                                         torch::optim::Optimizer& optimizer, const std::vector<double>& lr_ratios,
                                         LrSchedule& schedule, io::TensorboardWriter* tensorboard) {
  Progress progress(stderr, Progress::stderr_is_terminal(), options_.log_every);
  const auto params = net_.module->parameters();
  net_.module->train();
  objective_->reset();
  loader.start_epoch(epoch);

  EpochStats stats;
  double loss_sum = 0;
  const auto start = Clock::now();
  data::Batch batch;
  for (int64_t i = 0; i < n_batches && loader.next(batch); ++i) {
    batch = to_device(std::move(batch), options_.device);
    stats.lr = schedule.lr();
    schedule.apply(optimizer, lr_ratios);
    optimizer.zero_grad();
    const torch::Tensor output = net_.forward(batch.x, batch.lengths);
    const torch::Tensor loss = objective_->loss(output, batch);
    const double loss_value = loss.item<double>();
    // As the reference, the logged training loss leaves the penalty out.
    const torch::Tensor total = penalized() ? loss + options_.optimizer.weight_decay * net_.regularizer() : loss;
    // A diverged run only gets worse; stopping keeps the last good checkpoint as the latest.
    TORCH_CHECK(std::isfinite(loss_value), "training loss is ", loss_value, " at epoch ", epoch + 1, ", batch ", i + 1,
                "; try a lower optimizer.lr or set train.grad_clip");
    total.backward();
    if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options_.grad_clip);
    optimizer.step();
    schedule.step();
    if (tensorboard) {
      tensorboard->scalar("step/train_loss", schedule.step_count(), loss_value);
      tensorboard->scalar("step/lr", schedule.step_count(), stats.lr);
    }

    {
      torch::NoGradGuard no_grad;
      objective_->add(output.detach(), batch);
    }
    loss_sum += loss_value * static_cast<double>(batch.size());
    stats.examples += batch.size();

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
  TORCH_CHECK(stats.examples > 0, "the training set yielded no batch in epoch ", epoch + 1);
  stats.seconds = seconds_since(start);
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
  data::DataLoader train_loader(splits_.train, lo);
  const int64_t n_batches = capped(train_loader.num_batches(), options_.max_train_batches);
  TORCH_CHECK(n_batches > 0, "the training set is empty");

  RunOptimizer run_optimizer = make_optimizer(options_.optimizer, net_);
  torch::optim::Optimizer& optimizer = *run_optimizer.optimizer;
  LrSchedule schedule(options_.schedule, options_.optimizer.lr, options_.epochs * n_batches, n_batches);

  RunDirectory run(options_.run);
  CheckpointInfo info;
  if (resume)
    info = run.resume(config_yaml_, *net_.module, optimizer, schedule);
  else
    run.start(config_yaml_, overwrite);

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
    info.metrics_json = record.dump();
    info.config_yaml = config_yaml_;
    run.commit_epoch(encode_checkpoint(*net_.module, optimizer, schedule, info), best, record);
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
