#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "io/atomic_file.h"
#include "train/checkpoint.h"
#include "train/metrics_log.h"
#include "train/optimizer.h"
#include "train/progress.h"

namespace longconv::train {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int64_t capped(int64_t n, const std::optional<int64_t>& cap) { return cap ? std::min(n, *cap) : n; }

// "key: old -> new" for every leaf that differs between two resolved configs.
std::vector<std::string> config_differences(const YAML::Node& a, const YAML::Node& b, const std::string& prefix = "") {
  std::vector<std::string> out;
  if (a.IsMap() && b.IsMap()) {
    std::set<std::string> keys;
    for (const auto& kv : a) keys.insert(kv.first.as<std::string>());
    for (const auto& kv : b) keys.insert(kv.first.as<std::string>());
    for (const auto& key : keys) {
      auto sub = config_differences(a[key], b[key], prefix.empty() ? key : prefix + "." + key);
      out.insert(out.end(), sub.begin(), sub.end());
    }
  } else {
    const std::string before = YAML::Dump(a), after = YAML::Dump(b);
    if (before != after) out.push_back(fmt::format("{}: {} -> {}", prefix, before, after));
  }
  return out;
}

}  // namespace

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
  TORCH_CHECK(options_.weight_decay_type != "ln_loss" || options_.weight_decay == 0 || net_.regularizer,
              "optimizer.weight_decay_type: ln_loss needs a net type that defines a regularizer; this one has none");
  net_.module->to(options_.device);
}

data::Batch Trainer::to_device(data::Batch batch) const {
  batch.x = batch.x.to(options_.device);
  batch.y = batch.y.to(options_.device);
  if (batch.lengths.defined()) batch.lengths = batch.lengths.to(options_.device);
  return batch;
}

Trainer::EpochStats Trainer::train_epoch(int64_t epoch, data::DataLoader& loader, int64_t n_batches,
                                         torch::optim::Optimizer& optimizer, const std::vector<double>& lr_ratios,
                                         LrSchedule& schedule) {
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
    batch = to_device(std::move(batch));
    stats.lr = schedule.lr();
    schedule.apply(optimizer, lr_ratios);
    optimizer.zero_grad();
    const torch::Tensor output = net_.forward(batch.x, batch.lengths);
    const torch::Tensor loss = objective_->loss(output, batch);
    const double loss_value = loss.item<double>();
    // As the reference, the logged training loss leaves the penalty out.
    const bool penalize = options_.weight_decay_type == "ln_loss" && options_.weight_decay > 0;
    const torch::Tensor total = penalize ? loss + options_.weight_decay * net_.regularizer() : loss;
    // A diverged run only gets worse; stopping keeps the last good checkpoint as the latest.
    TORCH_CHECK(std::isfinite(loss_value), "training loss is ", loss_value, " at epoch ", epoch + 1, ", batch ", i + 1,
                "; try a lower optimizer.lr or set train.grad_clip");
    total.backward();
    if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options_.grad_clip);
    optimizer.step();
    schedule.step();

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

EvalResult Trainer::evaluate(const std::shared_ptr<const data::Dataset>& dataset) {
  data::LoaderOptions lo;
  lo.batch_size = options_.eval_batch_size;
  lo.prefetch = options_.prefetch;
  lo.workers = options_.workers;
  data::DataLoader loader(dataset, lo);
  const int64_t n_batches = capped(loader.num_batches(), options_.max_eval_batches);

  torch::NoGradGuard no_grad;
  net_.module->eval();
  objective_->reset();
  loader.start_epoch(0);
  EvalResult result;
  double loss_sum = 0;
  data::Batch batch;
  for (int64_t i = 0; i < n_batches && loader.next(batch); ++i) {
    batch = to_device(std::move(batch));
    const torch::Tensor output = net_.forward(batch.x, batch.lengths);
    loss_sum += objective_->loss(output, batch).item<double>() * static_cast<double>(batch.size());
    objective_->add(output, batch);
    result.examples += batch.size();
  }
  TORCH_CHECK(result.examples > 0, "evaluation on an empty dataset");
  result.loss = loss_sum / static_cast<double>(result.examples);
  result.metric = objective_->value();
  return result;
}

TrainResult Trainer::fit(bool resume, bool overwrite) {
  namespace fs = std::filesystem;
  TORCH_CHECK(splits_.train && splits_.test, "Trainer: the dataset has no training or test split");
  TORCH_CHECK(splits_.val,
              "the dataset has no validation split, which picks the best epoch; set dataset.val_split > 0");
  const fs::path dir(options_.out_dir);
  fs::create_directories(dir);
  const std::string last_path = (dir / "last.ckpt").string();
  const std::string best_path = (dir / "best.ckpt").string();

  data::LoaderOptions lo;
  lo.batch_size = options_.batch_size;
  lo.shuffle = true;
  lo.augment = true;
  lo.seed = options_.seed;
  lo.prefetch = options_.prefetch;
  lo.workers = options_.workers;
  data::DataLoader train_loader(splits_.train, lo);
  const int64_t n_batches = capped(train_loader.num_batches(), options_.max_train_batches);
  TORCH_CHECK(n_batches > 0, "the training set is empty");

  RunOptimizer run_optimizer = make_optimizer(options_, net_);
  torch::optim::Optimizer* optimizer = run_optimizer.optimizer.get();
  ScheduleOptions so;
  so.name = options_.schedule;
  so.base_lr = options_.lr;
  so.total_steps = options_.epochs * n_batches;
  so.warmup_steps = options_.warmup_epochs * static_cast<double>(n_batches);
  LrSchedule schedule(so);

  TORCH_CHECK(resume || overwrite || !fs::exists(last_path), last_path,
              " holds a previous run: continue it with --resume, train into another train.out_dir, or pass "
              "--overwrite to replace it");
  CheckpointInfo info;
  if (resume) {
    TORCH_CHECK(fs::exists(last_path), "cannot resume: ", last_path, " does not exist");
    info = load_checkpoint(last_path, *net_.module, optimizer, &schedule, /*restore_rng=*/true);
    const auto changed = config_differences(YAML::Load(info.config_yaml), YAML::Load(config_yaml_));
    for (const auto& change : changed) fmt::print(stderr, "warning: resuming with a changed config: {}\n", change);
  }
  io::write_file_atomic((dir / "config.yaml").string(), config_yaml_);
  MetricsLog log((dir / "metrics.jsonl").string(), /*fresh=*/!resume);
  // A crash between writing last.ckpt and appending its line leaves the line only in the checkpoint.
  if (resume && log.last_epoch() < info.epoch && !info.metrics_json.empty())
    log.append(nlohmann::ordered_json::parse(info.metrics_json));

  const std::string metric = objective_->name();
  for (int64_t epoch = info.epoch; epoch < options_.epochs; ++epoch) {
    const EpochStats train = train_epoch(epoch, train_loader, n_batches, *optimizer, run_optimizer.lr_ratios, schedule);
    const EvalResult val = evaluate(splits_.val);
    const EvalResult test = evaluate(splits_.test);

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

    const std::string bytes = encode_checkpoint(*net_.module, *optimizer, schedule, info);
    io::write_file_atomic(last_path, bytes);
    if (best) io::write_file_atomic(best_path, bytes);
    log.append(record);

    if (options_.show_progress)
      fmt::print(stderr, "epoch {}/{}: train loss {:.4f} {} {} | val loss {:.4f} {} {} | test loss {:.4f} {} {}{}\n",
                 epoch + 1, options_.epochs, train.loss, metric, objective_->format(train.metric), val.loss, metric,
                 objective_->format(val.metric), test.loss, metric, objective_->format(test.metric),
                 best ? " (best)" : "");
  }
  TORCH_CHECK(info.best_epoch > 0, last_path, ": records no best epoch");
  return {info.epoch, info.best_epoch, info.best_val_metric, info.best_test_metric};
}

}  // namespace longconv::train
