#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "dist/config_agreement.h"
#include "dist/module_sync.h"
#include "nn/common/batch_norm.h"
#include "train/checkpoint.h"
#include "train/preemption.h"
#include "train/progress.h"
#include "util/option_check.h"
#include "util/random.h"

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
  check_option(o.accumulate_grad_steps, at_least(1), "TrainerOptions::accumulate_grad_steps");
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
  int64_t skipped = 0;  // non-finite batches under OnNan::SkipBatch (the same count on every rank)
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

void Trainer::on_writer(const std::string& key, const std::function<void()>& action) {
  if (group_)
    group_->on_rank0(key, action);
  else
    action();
}

void Trainer::begin_run(RunDirectory* run) {
  on_writer("begin", [&] { run->begin(config_yaml_); });
  begun_ = true;
}

std::string Trainer::rank_epoch_state(double loss_sum, double lr, int64_t examples, int64_t skipped) const {
  torch::serialize::OutputArchive archive;
  archive.write("sums", torch::tensor({loss_sum, lr}, torch::kFloat64));
  archive.write("counts", torch::tensor({examples, skipped}));
  archive.write("rng_cpu", rng_state(torch::kCPU));
  if (options_.device.is_cuda()) archive.write("rng_device", rng_state(options_.device));
  const auto objective = objective_->state();
  for (size_t k = 0; k < objective.size(); ++k) archive.write(fmt::format("objective_{}", k), objective[k]);
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

Trainer::EpochStats Trainer::train_epoch(int64_t epoch, data::DataLoader& loader, int64_t n_batches,
                                         torch::optim::Optimizer& optimizer, const std::vector<double>& lr_ratios,
                                         LrSchedule& schedule, RunDirectory* run, CheckpointInfo& info) {
  Progress progress(stderr, Progress::stderr_is_terminal(), options_.log_every);
  const auto params = net_.module->parameters();
  const CheckpointEvery every = parse_checkpoint_every(options_.checkpoint_every);
  net_.module->train();
  objective_->reset();

  EpochStats stats;
  double loss_sum = 0;
  // A mid-epoch checkpoint continues its epoch's loader position, and each rank its running sums and RNG streams.
  const int64_t first_batch = info.batch;
  if (first_batch > 0) {
    TORCH_CHECK(static_cast<int64_t>(info.epoch_state.size()) == world_size(), "the mid-epoch checkpoint of epoch ",
                epoch + 1, " was written by ", info.epoch_state.size(),
                " process(es) and resumes only with as many, not ", world_size());
    const torch::Tensor blob = info.epoch_state[static_cast<size_t>(group_ ? group_->rank() : 0)].contiguous();
    torch::serialize::InputArchive archive;
    archive.load_from(reinterpret_cast<const char*>(blob.data_ptr<uint8_t>()), static_cast<size_t>(blob.numel()));
    torch::Tensor sums, counts, rng;
    archive.read("sums", sums);
    archive.read("counts", counts);
    loss_sum = sums[0].item<double>();
    stats.lr = sums[1].item<double>();
    stats.examples = counts[0].item<int64_t>();
    stats.skipped = counts[1].item<int64_t>();
    archive.read("rng_cpu", rng);
    set_rng_state(torch::kCPU, rng);
    if (options_.device.is_cuda() && archive.try_read("rng_device", rng)) set_rng_state(options_.device, rng);
    std::vector<torch::Tensor> objective;
    for (torch::Tensor t; archive.try_read(fmt::format("objective_{}", objective.size()), t);) objective.push_back(t);
    objective_->restore(objective);
  } else if (group_) {
    // Each rank draws dropout from its own stream, restarted every epoch so that resuming is exact on every rank.
    torch::manual_seed(mix_seed(options_.seed, static_cast<uint64_t>(group_->rank()), static_cast<uint64_t>(epoch)));
  }
  loader.start_epoch(epoch, first_batch);
  // Saves the state after `done` batches of this epoch as the run's last checkpoint: every rank's state, gathered
  // by the writer. Returns the checkpoint's path on the writer ("" on the other ranks).
  const auto save_mid_epoch = [&](int64_t done) {
    const std::string mine = rank_epoch_state(loss_sum, stats.lr, stats.examples, stats.skipped);
    const std::vector<std::string> states =
        group_ ? group_->allgather_bytes(fmt::format("epoch_state/{}/{}", epoch, done), mine)
               : std::vector<std::string>{mine};
    info.batch = done;
    info.epoch_state.clear();
    for (const std::string& state : states)
      info.epoch_state.push_back(
          torch::from_blob(const_cast<char*>(state.data()), {static_cast<int64_t>(state.size())}, torch::kUInt8)
              .clone());
    last_save_ = Clock::now();
    std::string saved;
    on_writer(fmt::format("save/{}/{}", epoch, done), [&] {
      saved = run->commit(encode_checkpoint(*net_.module, optimizer, schedule, info), epoch, done, /*best=*/false,
                          std::nullopt);
    });
    return saved;
  };

  const auto start = Clock::now();
  data::Batch batch;
  const int64_t accumulate = options_.accumulate_grad_steps;
  double step_examples = 0;  // examples of all ranks in the optimizer step's micro-batches
  bool step_has_gradient = false;
  for (int64_t i = first_batch; i < n_batches && loader.next(batch); ++i) {
    const bool first = i % accumulate == 0;
    const bool last = (i + 1) % accumulate == 0 || i + 1 == n_batches;
    if (first) {
      stats.lr = schedule.lr();
      schedule.apply(optimizer, lr_ratios);
      optimizer.zero_grad();
      step_examples = 0;
      step_has_gradient = false;
      for (int64_t j = i; j < std::min(i + accumulate, n_batches); ++j)
        step_examples += static_cast<double>(loader.batch_examples(j));
    }
    // The summed gradients are the mean over the step's examples (of every rank and micro-batch), as one process
    // with one batch computes it, when each micro-batch's mean loss weighs by its share of them (exact also for a
    // short last batch); the penalty, the same on every rank and micro-batch, weighs 1 / (ranks * micro-batches).
    const int64_t n_local = data::local_size(batch);
    const double share = static_cast<double>(n_local) / step_examples;
    const int64_t micro_batches = std::min(accumulate, n_batches - (i / accumulate) * accumulate);
    torch::Tensor output, loss;
    double loss_value = 0;
    if (n_local > 0) {
      batch = to_device(std::move(batch), options_.device);
      output = models::forward_batch(net_, batch);
      loss = objective_->loss(output, batch);
      loss_value = loss.item<double>();
    }
    // The ranks agree on a non-finite loss, so that they all stop or all skip the batch.
    bool finite = std::isfinite(loss_value);
    if (group_) {
      torch::Tensor bad = torch::full({1}, finite ? 0.0 : 1.0, torch::kFloat64);
      group_->allreduce(bad);
      finite = bad.item<double>() == 0;
    }
    if (!finite) {
      // A diverged run only gets worse; stopping keeps the last good checkpoint as the latest.
      TORCH_CHECK(options_.on_nan == OnNan::SkipBatch, "training loss is ",
                  std::isfinite(loss_value) ? "non-finite on another rank" : std::to_string(loss_value), " at epoch ",
                  epoch + 1, ", batch ", i + 1,
                  "; try a lower optimizer.lr, set train.grad_clip, or train.on_nan: skip_batch");
      ++stats.skipped;
    }
    if (finite && !begun_) begin_run(run);  // the run passed its first checks
    if (finite && n_local > 0) {
      // As the reference, the logged training loss leaves the penalty out.
      torch::Tensor total = group_ || accumulate > 1 ? loss * share : loss;
      if (penalized())
        total = total + options_.optimizer.weight_decay / static_cast<double>(world_size() * micro_batches) *
                            net_.regularizer();
      if (reducer_ && last) reducer_->arm();
      total.backward();
      step_has_gradient = true;
    } else if (reducer_ && last) {
      reducer_->arm();
    }
    if (finite && group_) step_has_gradient = true;  // another rank's examples count
    if (last) {
      if (reducer_) reducer_->finish();
      // A step whose every batch was skipped leaves the parameters and the optimizer's moments as they were.
      if (step_has_gradient) {
        if (options_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(params, options_.grad_clip);
        optimizer.step();
      }
      schedule.step();  // a skipped batch keeps its place in the schedule
      if (auto* tensorboard = run ? run->tensorboard() : nullptr; tensorboard && finite) {
        tensorboard->scalar("step/train_loss", schedule.step_count(), loss_value);
        tensorboard->scalar("step/lr", schedule.step_count(), stats.lr);
      }
    }

    if (finite && n_local > 0) {
      torch::NoGradGuard no_grad;
      objective_->add(output.detach(), batch);
      loss_sum += loss_value * static_cast<double>(n_local);
      stats.examples += n_local;
    }

    // At an optimizer step's end: a preemption signal, or train.checkpoint_every (the epoch's end commits anyway).
    if (last) {
      int signal = PreemptionGuard::requested();
      bool due = every.steps > 0 ? schedule.step_count() % every.steps == 0
                                 : every.minutes > 0 && seconds_since(last_save_) >= 60 * every.minutes;
      if (group_) {
        // Signals reach the ranks at different batches and clocks differ: the ranks agree on both.
        torch::Tensor flags = torch::tensor({signal != 0 ? 1.0 : 0.0, due ? 1.0 : 0.0}, torch::kFloat64);
        group_->allreduce(flags);
        if (signal == 0 && flags[0].item<double>() > 0) signal = SIGTERM;  // a peer's
        due = flags[1].item<double>() > 0;
      }
      if (signal != 0) throw Preempted(signal, begun_ ? save_mid_epoch(i + 1) : "");
      if (due && begun_ && i + 1 < n_batches) save_mid_epoch(i + 1);
    }

    if (options_.show_progress) {
      const double elapsed = seconds_since(start);
      const double per_batch = elapsed / static_cast<double>(i - first_batch + 1);
      progress.update({epoch + 1, options_.epochs, i + 1, n_batches,
                       loss_sum / static_cast<double>(std::max<int64_t>(stats.examples, 1)),
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
  TORCH_CHECK(stats.skipped == 0 || stats.examples > 0, "every training batch of epoch ", epoch + 1,
              " had a non-finite loss (", stats.skipped, " skipped); try a lower optimizer.lr or set train.grad_clip");
  TORCH_CHECK(stats.examples > 0, "the training set yielded no batch in epoch ", epoch + 1);
  if (!begun_) begin_run(run);  // resumed at the end of an epoch
  stats.seconds = seconds_since(start);
  if (reducer_) stats.allreduce_wait_seconds = reducer_->take_wait_seconds();
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

  // Rank 0 owns the run directory (its lock first, so that a second run on the directory fails before it reads
  // anything there); the other ranks load the checkpoint it resumes from.
  const bool writer = !group_ || group_->rank() == 0;
  std::unique_ptr<RunDirectory> run;
  CheckpointInfo info;
  on_writer("start", [&] {
    run = std::make_unique<RunDirectory>(options_.run);
    if (resume)
      info = run->load_for_resume(config_yaml_, *net_.module, optimizer, schedule, from_previous);
    else
      run->check_fresh(overwrite);
  });
  if (group_ && resume) {
    const std::string checkpoint =
        group_->allgather_bytes("resume_from", writer ? run->committed_checkpoint() : "").front();
    if (!writer) info = load_checkpoint(checkpoint, *net_.module, &optimizer, &schedule);
  }
  const std::string last_checkpoint = (std::filesystem::path(options_.run.out_dir) / "last.ckpt").string();
  if (resume) {
    // A mid-epoch checkpoint holds one state per rank; an epoch's log line records the ranks of a multi-process run
    // (a line without it is one process's).
    const auto last = nlohmann::json::parse(info.metrics_json.empty() ? "{}" : info.metrics_json);
    const int64_t saved =
        info.batch > 0 ? static_cast<int64_t>(info.epoch_state.size()) : last.value("world_size", int64_t{1});
    if (saved != world_size()) {
      TORCH_CHECK(info.batch == 0 && options_.allow_world_size_change, last_checkpoint, " was written by a run of ",
                  saved, " process(es); resuming it with ", world_size(), " cannot continue bit-exactly",
                  info.batch > 0 ? " (a mid-epoch checkpoint resumes only with as many)"
                                 : " (pass --allow-world-size-change to continue anyway)");
      if (writer)
        fmt::print(stderr, "warning: resuming a run of {} process(es) with {}: not bit-exact\n", saved, world_size());
    }
  }
  info.config_yaml = config_yaml_;  // mid-epoch checkpoints carry it too
  const PreemptionGuard preemption;
  last_save_ = Clock::now();
  begun_ = false;

  const std::string metric = objective_->name();
  for (int64_t epoch = info.epoch; epoch < options_.epochs; ++epoch) {
    const EpochStats train =
        train_epoch(epoch, train_loader, n_batches, optimizer, run_optimizer.lr_ratios, schedule, run.get(), info);
    const EvalResult val = evaluate_split(splits_.val);
    const EvalResult test = evaluate_split(splits_.test);
    // A non-finite validation result is never committed, let alone best: the last checkpoint stays the latest.
    TORCH_CHECK(std::isfinite(val.loss) && std::isfinite(val.metric), "validation loss ", val.loss, ", ", metric, " ",
                val.metric, " at epoch ", epoch + 1, ": the run diverged; ", last_checkpoint,
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
    // Rank 0's time waiting for gradient all-reduces that backward did not hide.
    if (reducer_) {
      record["allreduce_wait_seconds"] = train.allreduce_wait_seconds;
      record["world_size"] = world_size();
    }
    info.metrics_json = record.dump();
    on_writer(fmt::format("epoch/{}", epoch + 1), [&] {
      run->commit(encode_checkpoint(*net_.module, optimizer, schedule, info), epoch + 1, 0, best, record);
      if (auto* tensorboard = run->tensorboard(); tensorboard && net_.histograms)
        for (const auto& [tag, values] : net_.histograms())
          if (!values.empty()) tensorboard->histogram(tag, schedule.step_count(), values);
    });

    if (options_.show_progress)
      fmt::print(stderr, "epoch {}/{}: train loss {:.4f} {} {} | val loss {:.4f} {} {} | test loss {:.4f} {} {}{}\n",
                 epoch + 1, options_.epochs, train.loss, metric, objective_->format(train.metric), val.loss, metric,
                 objective_->format(val.metric), test.loss, metric, objective_->format(test.metric),
                 best ? " (best)" : "");
  }
  TORCH_CHECK(info.best_epoch > 0, last_checkpoint, ": records no best epoch");
  return {info.epoch, info.best_epoch, info.best_val_metric, info.best_test_metric};
}

}  // namespace longconv::train
