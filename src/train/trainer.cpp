#include "train/trainer.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "train/checkpoint.h"
#include "train/preemption.h"
#include "train/progress.h"
#include "util/option_check.h"

namespace longconv::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int64_t capped(int64_t n, const std::optional<int64_t>& cap) { return cap ? std::min(n, *cap) : n; }

}  // namespace

const EnumNames<OnNan> kOnNanNames = {{"stop", OnNan::Stop}, {"skip_batch", OnNan::SkipBatch}};

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
  try {
    parse_checkpoint_every(o.checkpoint_every);
  } catch (const std::invalid_argument& e) {
    check_option_rule(false, o.checkpoint_every, "TrainerOptions::checkpoint_every", e.what());
  }
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
  int64_t skipped = 0;  // non-finite batches under OnNan::SkipBatch
};

Trainer::Trainer(models::Net net, data::Splits splits, std::unique_ptr<Objective> objective, TrainerOptions options,
                 std::string config_yaml)
    : net_(std::move(net)),
      splits_(std::move(splits)),
      objective_(std::move(objective)),
      options_(std::move(options)),
      config_yaml_(std::move(config_yaml)) {
  TORCH_CHECK(net_.module && (net_.forward || net_.point_forward), "Trainer: the net has no module or forward");
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
                                         LrSchedule& schedule, RunDirectory& run, CheckpointInfo& info) {
  Progress progress(stderr, Progress::stderr_is_terminal(), options_.log_every);
  const auto params = net_.module->parameters();
  const CheckpointEvery every = parse_checkpoint_every(options_.checkpoint_every);
  net_.module->train();
  objective_->reset();

  EpochStats stats;
  double loss_sum = 0;
  // A mid-epoch checkpoint continues its epoch's loader position and running sums.
  const int64_t first_batch = info.batch;
  if (first_batch > 0) {
    TORCH_CHECK(info.epoch_state.size() >= 2, "the mid-epoch checkpoint has no epoch state");
    loss_sum = info.epoch_state[0][0].item<double>();
    stats.lr = info.epoch_state[0][1].item<double>();
    stats.examples = info.epoch_state[1][0].item<int64_t>();
    stats.skipped = info.epoch_state[1][1].item<int64_t>();
    objective_->restore({info.epoch_state.begin() + 2, info.epoch_state.end()});
  }
  loader.start_epoch(epoch, first_batch);
  // Saves the state after `done` batches of this epoch as the run's last checkpoint.
  const auto save_mid_epoch = [&](int64_t done) {
    info.batch = done;
    info.epoch_state = {torch::tensor({loss_sum, stats.lr}, torch::kFloat64),
                        torch::tensor({stats.examples, stats.skipped})};
    for (const auto& t : objective_->state()) info.epoch_state.push_back(t);
    last_save_ = Clock::now();
    return run.commit(encode_checkpoint(*net_.module, optimizer, schedule, info), epoch, done, /*best=*/false,
                      std::nullopt);
  };

  const auto start = Clock::now();
  data::Batch batch;
  for (int64_t i = first_batch; i < n_batches && loader.next(batch); ++i) {
    batch = to_device(std::move(batch), options_.device);
    stats.lr = schedule.lr();
    schedule.apply(optimizer, lr_ratios);
    optimizer.zero_grad();
    const torch::Tensor output = models::forward_batch(net_, batch);
    const torch::Tensor loss = objective_->loss(output, batch);
    const double loss_value = loss.item<double>();
    if (std::isfinite(loss_value)) {
      if (!run.begun()) run.begin(config_yaml_);  // the run passed its first checks
      // As the reference, the logged training loss leaves the penalty out.
      const torch::Tensor total = penalized() ? loss + options_.optimizer.weight_decay * net_.regularizer() : loss;
      total.backward();
      if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options_.grad_clip);
      optimizer.step();
      {
        torch::NoGradGuard no_grad;
        objective_->add(output.detach(), batch);
      }
      loss_sum += loss_value * static_cast<double>(batch.size());
      stats.examples += batch.size();
    } else {
      // A diverged run only gets worse; stopping keeps the last good checkpoint as the latest.
      TORCH_CHECK(options_.on_nan == OnNan::SkipBatch, "training loss is ", loss_value, " at epoch ", epoch + 1,
                  ", batch ", i + 1, "; try a lower optimizer.lr, set train.grad_clip, or train.on_nan: skip_batch");
      ++stats.skipped;
    }
    schedule.step();  // a skipped batch keeps its place in the schedule

    // At a batch boundary: a preemption signal, or train.checkpoint_every (the epoch's end commits anyway).
    if (const int signal = PreemptionGuard::requested()) {
      if (!run.begun()) throw Preempted(signal, "");
      throw Preempted(signal, save_mid_epoch(i + 1));
    }
    const bool due = every.steps > 0 ? schedule.step_count() % every.steps == 0
                                     : every.minutes > 0 && seconds_since(last_save_) >= 60 * every.minutes;
    if (due && run.begun() && i + 1 < n_batches) save_mid_epoch(i + 1);

    if (options_.show_progress) {
      const double elapsed = seconds_since(start);
      const double per_batch = elapsed / static_cast<double>(i + 1);
      progress.update({epoch + 1, options_.epochs, i + 1, n_batches,
                       loss_sum / static_cast<double>(std::max<int64_t>(stats.examples, 1)),
                       fmt::format("{} {}", objective_->name(), objective_->format(objective_->value())), stats.lr,
                       static_cast<double>(stats.examples) / std::max(elapsed, 1e-9),
                       per_batch * static_cast<double>(n_batches - i - 1)});
    }
  }
  if (options_.show_progress) progress.finish();
  TORCH_CHECK(stats.skipped == 0 || stats.examples > 0, "every training batch of epoch ", epoch + 1,
              " had a non-finite loss (", stats.skipped, " skipped); try a lower optimizer.lr or set train.grad_clip");
  TORCH_CHECK(stats.examples > 0, "the training set yielded no batch in epoch ", epoch + 1);
  if (!run.begun()) run.begin(config_yaml_);  // resumed at the end of an epoch
  stats.seconds = seconds_since(start);
  stats.loss = loss_sum / static_cast<double>(stats.examples);
  stats.metric = objective_->value();
  return stats;
}

TrainResult Trainer::fit(bool resume, bool overwrite, bool from_previous) {
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

  // The lock first, so that a second run on the directory fails before it reads anything there.
  RunDirectory run(options_.run);
  CheckpointInfo info;
  if (resume)
    info = run.load_for_resume(config_yaml_, *net_.module, optimizer, schedule, from_previous);
  else
    run.check_fresh(overwrite);
  info.config_yaml = config_yaml_;  // mid-epoch checkpoints carry it too
  const PreemptionGuard preemption;
  last_save_ = Clock::now();

  const std::string metric = objective_->name();
  for (int64_t epoch = info.epoch; epoch < options_.epochs; ++epoch) {
    const EpochStats train =
        train_epoch(epoch, train_loader, n_batches, optimizer, run_optimizer.lr_ratios, schedule, run, info);
    const EvalResult val = evaluate_split(splits_.val);
    const EvalResult test = evaluate_split(splits_.test);
    // A non-finite validation result is never committed, let alone best: the last checkpoint stays the latest.
    TORCH_CHECK(std::isfinite(val.loss) && std::isfinite(val.metric), "validation loss ", val.loss, ", ", metric, " ",
                val.metric, " at epoch ", epoch + 1, ": the run diverged; ", run.last_checkpoint(),
                " keeps the last good state (try a lower optimizer.lr or set train.grad_clip)");

    // Ties go to the later epoch, as the reference's `>=`.
    const bool best = objective_->higher_is_better() ? val.metric >= info.best_val_metric
                      : info.best_epoch == 0         ? true
                                                     : val.metric <= info.best_val_metric;
    if (best) {
      info.best_epoch = epoch + 1;
      info.best_val_metric = val.metric;
      info.best_test_metric = test.metric;
    }
    info.epoch = epoch + 1;
    info.batch = 0;
    info.epoch_state.clear();
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
    if (options_.on_nan == OnNan::SkipBatch) record["skipped_batches"] = train.skipped;
    info.metrics_json = record.dump();
    run.commit(encode_checkpoint(*net_.module, optimizer, schedule, info), epoch + 1, 0, best, record);

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
