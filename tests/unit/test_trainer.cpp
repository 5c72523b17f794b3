#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <ATen/CPUGeneratorImpl.h>

#include "io/atomic_file.h"
#include "support/temp_dir.h"
#include "train/memory_estimate.h"
#include "train/optimizer.h"
#include "train/preemption.h"
#include "train/trainer.h"

using namespace longconv;

namespace {

// Noisy 2-class sequences: class 1 has a positive mean.
class ToyDataset : public data::Dataset {
 public:
  ToyDataset(int64_t n, uint64_t seed) {
    torch::Generator gen = at::detail::createCPUGenerator(seed);
    y_ = torch::randint(0, 2, {n}, gen, torch::kInt64);
    x_ = torch::randn({n, 2, 16}, gen) + y_.to(torch::kFloat32).view({n, 1, 1});
  }
  int64_t size() const override { return x_.size(0); }
  data::Example get(int64_t index, std::mt19937_64*) const override { return {x_[index], y_[index], -1}; }

 private:
  torch::Tensor x_, y_;
};

// Conv, dropout (the global generator), mean over time, linear.
struct ToyNetImpl : torch::nn::Module {
  ToyNetImpl() {
    conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(2, 8, 3).padding(1)));
    dropout = register_module("dropout", torch::nn::Dropout(0.3));
    head = register_module("head", torch::nn::Linear(8, 2));
  }
  torch::Tensor forward(const torch::Tensor& x) { return head(dropout(torch::gelu(conv(x))).mean(-1)); }
  torch::nn::Conv1d conv{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(ToyNet);

data::Splits toy_splits() {
  data::Splits s;
  s.train = std::make_shared<ToyDataset>(40, 1);
  s.val = std::make_shared<ToyDataset>(12, 2);
  s.test = std::make_shared<ToyDataset>(12, 3);
  return s;
}

// Passes the output of the toy net's forward through hook(training?, call, output): `call` counts the calls in that
// mode (training or evaluation), 1-based.
using ForwardHook = std::function<torch::Tensor(bool, int64_t, torch::Tensor)>;

// A fresh net as a new process would build it, its forward passed through `hook`.
models::Net hooked_toy_net(ForwardHook hook) {
  torch::manual_seed(7);
  ToyNet module;
  auto calls = std::make_shared<std::pair<int64_t, int64_t>>(0, 0);
  return {module.ptr(), [module, calls, hook](const torch::Tensor& x, const torch::Tensor&) mutable {
            const bool training = module->is_training();
            const int64_t call = training ? ++calls->first : ++calls->second;
            return hook(training, call, module->forward(x));
          }};
}

// `crash_after_batches` > 0 makes the training forward throw on that call, as a killed run would stop mid-epoch.
models::Net toy_net(int64_t crash_after_batches = 0) {
  return hooked_toy_net([crash_after_batches](bool training, int64_t call, torch::Tensor out) {
    if (training && call == crash_after_batches) throw std::runtime_error("simulated crash");
    return out;
  });
}

train::TrainerOptions toy_options(const std::string& out_dir) {
  train::TrainerOptions o;
  o.epochs = 2;
  o.loader.batch_size = 8;  // 5 batches per epoch
  o.eval_batch_size = 5;
  o.grad_clip = 1.0;
  o.run.out_dir = out_dir;
  o.optimizer.lr = 0.05;
  o.schedule.warmup_epochs = 0.5;
  o.seed = 3;
  o.show_progress = false;
  return o;
}

train::TrainResult fit(const models::Net& net, const train::TrainerOptions& options, bool resume,
                       bool overwrite = false, bool from_previous = false) {
  train::Trainer trainer(net, toy_splits(), train::make_objective(data::Task::Classification), options, "seed: 1\n");
  return trainer.fit(resume, overwrite, from_previous);
}

train::TrainResult fit(const models::Net& net, const std::string& out_dir, bool resume, bool overwrite = false) {
  return fit(net, toy_options(out_dir), resume, overwrite);
}

// The toy net with the conv as a "mask" parameter group and the head's weight norm as its regularizer.
models::Net grouped_toy_net(int64_t crash_after_batches = 0) {
  models::Net net = toy_net(crash_after_batches);
  net.param_groups["mask"] = {"conv.weight", "conv.bias"};
  auto module = net.module;
  net.regularizer = [module] { return module->named_parameters()["head.weight"].norm(); };
  return net;
}

train::TrainerOptions grouped_options(const std::string& out_dir, double mask_lr_ratio, double ln_weight_decay) {
  train::TrainerOptions o = toy_options(out_dir);
  o.optimizer.group_lr_ratios["mask"] = mask_lr_ratio;
  o.optimizer.weight_decay_type = train::WeightDecayType::LnLoss;
  o.optimizer.weight_decay = ln_weight_decay;
  return o;
}

std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

// Trains the net of `make_net` straight through, and again killed in epoch 2 and resumed; both end identical.
void expect_resume_is_bit_identical(const std::function<models::Net(int64_t)>& make_net,
                                    const std::function<train::TrainerOptions(const std::string&)>& options) {
  test::TempDir dir;
  const std::string straight_dir = dir.file("straight"), resumed_dir = dir.file("resumed");

  const models::Net straight = make_net(0);
  const auto straight_result = fit(straight, options(straight_dir), /*resume=*/false);
  EXPECT_EQ(straight_result.epochs_done, 2);

  // Killed in the first batch of epoch 2, after last.ckpt of epoch 1 was written.
  EXPECT_THROW(fit(make_net(/*crash_after_batches=*/6), options(resumed_dir), false), std::runtime_error);
  ASSERT_EQ(lines(resumed_dir + "/metrics.jsonl").size(), 1u);
  // Also as if killed between writing last.ckpt and appending its log line: resume restores the line.
  io::write_file_atomic(resumed_dir + "/metrics.jsonl", std::string_view());

  const models::Net resumed = make_net(0);
  const auto resumed_result = fit(resumed, options(resumed_dir), /*resume=*/true);

  const auto a = straight.module->named_parameters();
  const auto b = resumed.module->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) EXPECT_TRUE(torch::equal(p.value(), b[p.key()])) << p.key();
  EXPECT_EQ(resumed_result.best_epoch, straight_result.best_epoch);
  EXPECT_EQ(resumed_result.best_test_metric, straight_result.best_test_metric);
  EXPECT_EQ(lines(resumed_dir + "/metrics.jsonl").size(), 2u);
  for (const auto& file : {"config.yaml", "last.ckpt", "best.ckpt"})
    EXPECT_TRUE(std::filesystem::exists(resumed_dir + "/" + file)) << file;

  // A finished run resumes to nothing more.
  EXPECT_EQ(fit(resumed, options(resumed_dir), true).epochs_done, 2);
  EXPECT_EQ(lines(resumed_dir + "/metrics.jsonl").size(), 2u);
}

TEST(Trainer, ResumeIsBitIdenticalToAnUninterruptedRun) { expect_resume_is_bit_identical(toy_net, toy_options); }

TEST(Trainer, ResumeWithParamGroupsAndLnLossIsBitIdentical) {
  expect_resume_is_bit_identical(grouped_toy_net,
                                 [](const std::string& out_dir) { return grouped_options(out_dir, 0.1, 0.01); });
}

TEST(Trainer, MaskLrRatioScalesOnlyTheMaskGroup) {
  test::TempDir dir;
  const models::Net net = grouped_toy_net();
  const auto before = net.module->named_parameters();
  std::map<std::string, torch::Tensor> initial;
  for (const auto& p : before) initial[p.key()] = p.value().detach().clone();
  // Ratio 0: the mask group never moves (AdamW's decoupled decay is scaled by lr too), the rest trains.
  train::TrainerOptions o = grouped_options(dir.file("run"), 0.0, 0.0);
  o.optimizer.weight_decay_type = train::WeightDecayType::Optimizer;
  fit(net, o, false);
  const auto after = net.module->named_parameters();
  EXPECT_TRUE(torch::equal(after["conv.weight"], initial["conv.weight"]));
  EXPECT_TRUE(torch::equal(after["conv.bias"], initial["conv.bias"]));
  EXPECT_FALSE(torch::equal(after["head.weight"], initial["head.weight"]));
}

TEST(Trainer, LnLossShrinksTheRegularizedWeightsWithoutOptimizerDecay) {
  test::TempDir dir;
  const models::Net plain = grouped_toy_net(), penalized = grouped_toy_net();
  fit(plain, grouped_options(dir.file("plain"), 1.0, 0.0), false);
  fit(penalized, grouped_options(dir.file("penalized"), 1.0, 1.0), false);
  const double plain_norm = plain.module->named_parameters()["head.weight"].norm().item<double>();
  const double penalized_norm = penalized.module->named_parameters()["head.weight"].norm().item<double>();
  EXPECT_LT(penalized_norm, 0.8 * plain_norm);

  // The optimizer itself does not decay under ln_loss.
  const auto optimizer = train::make_optimizer(grouped_options(dir.file("x"), 0.5, 1.0).optimizer, penalized);
  ASSERT_EQ(optimizer.optimizer->param_groups().size(), 2u);
  EXPECT_EQ(optimizer.lr_ratios, (std::vector<double>{1.0, 0.5}));
  for (auto& group : optimizer.optimizer->param_groups())
    EXPECT_EQ(static_cast<torch::optim::AdamWOptions&>(group.options()).weight_decay(), 0.0);
  EXPECT_EQ(optimizer.optimizer->param_groups()[1].params().size(), 2u);
  EXPECT_EQ(optimizer.optimizer->param_groups()[0].params().size(), 2u);  // head weight and bias
}

TEST(Trainer, ParamGroupMistakesAreErrorsNamingThem) {
  test::TempDir dir;
  models::Net net = grouped_toy_net();
  // A ratio for a group the net lacks; ratio 1 (the default) is accepted.
  train::TrainerOptions o = grouped_options(dir.file("run"), 1.0, 0.0);
  o.optimizer.group_lr_ratios["kernel"] = 0.5;
  EXPECT_NE(error_message([&] { train::make_optimizer(o.optimizer, net); }).find("no 'kernel' parameters"),
            std::string::npos);
  o.optimizer.group_lr_ratios["kernel"] = 1.0;
  EXPECT_NO_THROW(train::make_optimizer(o.optimizer, net));

  net.param_groups["mask"].push_back("conv.nope");
  EXPECT_NE(error_message([&] { train::make_optimizer(o.optimizer, net); }).find("conv.nope"), std::string::npos);
  net.param_groups["mask"].back() = "head.bias";
  net.param_groups["other"] = {"head.bias"};
  EXPECT_NE(error_message([&] { train::make_optimizer(o.optimizer, net); }).find("two parameter groups"),
            std::string::npos);

  // ln_loss with a weight decay needs a regularizer.
  models::Net bare = toy_net();
  EXPECT_NE(error_message([&] {
              train::Trainer(bare, toy_splits(), train::make_objective(data::Task::Classification),
                             grouped_options(dir.file("bare"), 1.0, 0.1), "");
            }).find("regularizer"),
            std::string::npos);
}

TEST(Trainer, MetricsLogHasOneRecordPerEpoch) {
  test::TempDir dir;
  fit(toy_net(), dir.file("run"), false);
  const auto log = lines(dir.file("run") + "/metrics.jsonl");
  ASSERT_EQ(log.size(), 2u);
  const auto record = nlohmann::json::parse(log[1]);
  for (const char* key : {"epoch", "step", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss",
                          "test_accuracy", "lr", "epoch_seconds", "samples_per_second"})
    EXPECT_TRUE(record.contains(key)) << key;
  EXPECT_EQ(record["epoch"], 2);
  EXPECT_EQ(record["step"], 10);
}

TEST(Trainer, FreshRunKeepsAPreviousRunUnlessOverwriting) {
  test::TempDir dir;
  const std::string run = dir.file("run");
  fit(toy_net(), run, false);
  const std::string before = io::read_file(run + "/last.ckpt");
  const std::string log_before = io::read_file(run + "/metrics.jsonl");
  try {
    fit(toy_net(), run, false);
    FAIL() << "no error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("--resume"), std::string::npos);
  }
  EXPECT_EQ(io::read_file(run + "/last.ckpt"), before);
  EXPECT_EQ(io::read_file(run + "/metrics.jsonl"), log_before);
  EXPECT_EQ(fit(toy_net(), run, /*resume=*/false, /*overwrite=*/true).epochs_done, 2);
}

TEST(Trainer, ResumeWithoutCheckpointIsAnError) {
  test::TempDir dir;
  try {
    fit(toy_net(), dir.file("empty"), true);
    FAIL() << "no error";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what_without_backtrace()).find("last.ckpt"), std::string::npos);
  }
}

namespace {

// Every entry of a run directory but its lock: a file's bytes, a link's target.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == ".lock") continue;
    out[name] = entry.is_symlink() ? "-> " + std::filesystem::read_symlink(entry.path()).string()
                                   : io::read_file(entry.path().string());
  }
  return out;
}

// The parameters of two nets are equal, name by name.
void expect_same_parameters(const models::Net& a, const models::Net& b) {
  const auto pa = a.module->named_parameters();
  const auto pb = b.module->named_parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (const auto& p : pa) EXPECT_TRUE(torch::equal(p.value(), pb[p.key()])) << p.key();
}

// metrics.jsonl without the timing fields, which differ between any two runs.
std::vector<std::string> metrics_without_timing(const std::string& out_dir) {
  std::vector<std::string> out;
  for (const auto& line : lines(out_dir + "/metrics.jsonl")) {
    auto record = nlohmann::ordered_json::parse(line);
    record.erase("epoch_seconds");
    record.erase("samples_per_second");
    out.push_back(record.dump());
  }
  return out;
}

// A pid no process has: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

std::string link_target(const std::string& link) { return std::filesystem::read_symlink(link).string(); }

}  // namespace

TEST(RunDirectory, ASecondRunOnTheDirectoryFailsAtOnceNamingTheHolder) {
  test::TempDir dir;
  const std::string run = dir.file("run");
  {
    const train::RunDirectory holder({run});
    const std::string message = error_message([&] { fit(toy_net(), run, false); });
    EXPECT_NE(message.find("in use by another run (pid " + std::to_string(::getpid())), std::string::npos) << message;
    EXPECT_FALSE(std::filesystem::exists(run + "/metrics.jsonl"));
    EXPECT_FALSE(std::filesystem::exists(run + "/config.yaml"));
  }
  EXPECT_EQ(fit(toy_net(), run, false).epochs_done, 2);  // the lock goes with its holder
}

TEST(RunDirectory, LastAndBestResolveFromTheManifestAndStaleFilesGo) {
  test::TempDir dir;
  const std::string run = dir.file("run");
  fit(toy_net(), run, false);
  auto manifest = train::read_run_manifest(run);
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->last.file, "epoch-0002.ckpt");
  ASSERT_TRUE(manifest->previous);
  EXPECT_EQ(manifest->previous->file, "epoch-0001.ckpt");
  EXPECT_EQ(link_target(run + "/last.ckpt"), manifest->last.file);
  EXPECT_EQ(link_target(run + "/best.ckpt"), manifest->last.best);

  // As a kill -9 leaves them: links not yet moved to the manifest's checkpoints, a dead writer's temporaries, a
  // checkpoint written but never committed. A live writer's temporary stays.
  std::filesystem::remove(run + "/last.ckpt");
  std::filesystem::create_symlink("epoch-0001.ckpt", run + "/last.ckpt");
  std::filesystem::remove(run + "/best.ckpt");
  const std::string dead_temp = "best.ckpt.tmp." + std::to_string(dead_pid()) + ".3";
  const std::string live_temp = "manifest.json.tmp.1.0";  // pid 1 always lives
  for (const auto& name : {dead_temp, live_temp, std::string("epoch-0007.ckpt")})
    io::write_file_atomic(run + "/" + name, "x");

  train::TrainerOptions o = toy_options(run);
  o.epochs = 3;
  fit(toy_net(), o, /*resume=*/true);
  manifest = train::read_run_manifest(run);
  EXPECT_EQ(manifest->last.file, "epoch-0003.ckpt");
  EXPECT_EQ(link_target(run + "/last.ckpt"), "epoch-0003.ckpt");
  EXPECT_EQ(link_target(run + "/best.ckpt"), manifest->last.best);
  EXPECT_FALSE(std::filesystem::exists(run + "/" + dead_temp));
  EXPECT_FALSE(std::filesystem::exists(run + "/epoch-0007.ckpt"));
  EXPECT_TRUE(std::filesystem::exists(run + "/" + live_temp));
  // Only what the manifest names is kept: epoch 1 stays only as a best.
  const std::set<std::string> named = {manifest->last.file, manifest->last.best, manifest->previous->file,
                                       manifest->previous->best};
  for (const auto& entry : std::filesystem::directory_iterator(run)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("epoch-", 0) == 0) {
      EXPECT_TRUE(named.count(name)) << name;
    }
  }
  EXPECT_EQ(std::filesystem::exists(run + "/epoch-0001.ckpt"), named.count("epoch-0001.ckpt") == 1);
  EXPECT_EQ(lines(run + "/metrics.jsonl").size(), 3u);
}

TEST(RunDirectory, FailedStartsLeaveThePreviousRunUntouched) {
  test::TempDir dir;
  const std::string run = dir.file("run");
  fit(toy_net(), run, false);
  const auto before = snapshot(run);
  const auto nan_first_batch = [] {
    return hooked_toy_net([](bool training, int64_t call, torch::Tensor out) {
      return training && call == 1 ? out * std::numeric_limits<float>::quiet_NaN() : out;
    });
  };
  train::TrainerOptions more = toy_options(run);
  more.epochs = 3;

  EXPECT_NE(error_message([&] { fit(nan_first_batch(), more, /*resume=*/true); }).find("training loss is nan"),
            std::string::npos);
  EXPECT_EQ(snapshot(run), before) << "a --resume whose first batch is NaN";
  EXPECT_NE(error_message([&] { fit(nan_first_batch(), more, false, /*overwrite=*/true); }).find("training loss"),
            std::string::npos);
  EXPECT_EQ(snapshot(run), before) << "a failing --overwrite";
  EXPECT_NE(error_message([&] { fit(toy_net(), more, false); }).find("--overwrite"), std::string::npos);
  EXPECT_EQ(snapshot(run), before) << "a fresh start over a run";

  // A start that passes its first checks replaces the run.
  fit(toy_net(), run, false, /*overwrite=*/true);
  EXPECT_EQ(lines(run + "/metrics.jsonl").size(), 2u);
}

TEST(Trainer, NonFiniteValidationIsNeverBestAndStopsTheRunNamingTheEpoch) {
  test::TempDir dir;
  const std::string run = dir.file("run");
  // Epoch 1 evaluates in 6 calls (3 validation, 3 test batches); from epoch 2 on the evaluation output is NaN.
  const models::Net diverging = hooked_toy_net([](bool training, int64_t call, torch::Tensor out) {
    return !training && call > 6 ? out * std::numeric_limits<float>::quiet_NaN() : out;
  });
  const std::string message = error_message([&] { fit(diverging, run, false); });
  EXPECT_NE(message.find("validation loss nan"), std::string::npos) << message;
  EXPECT_NE(message.find("at epoch 2"), std::string::npos) << message;
  const auto manifest = train::read_run_manifest(run);
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->last.file, "epoch-0001.ckpt");
  EXPECT_EQ(manifest->last.best, "epoch-0001.ckpt");
  EXPECT_EQ(lines(run + "/metrics.jsonl").size(), 1u);
  EXPECT_EQ(io::read_file(run + "/metrics.jsonl").find("null"), std::string::npos);
}

TEST(Trainer, NonFiniteTrainingBatchesStopOrAreSkippedAndCounted) {
  test::TempDir dir;
  const auto nan_third_batch = [] {
    return hooked_toy_net([](bool training, int64_t call, torch::Tensor out) {
      return training && call == 3 ? out * std::numeric_limits<float>::infinity() : out;
    });
  };
  const std::string message = error_message([&] { fit(nan_third_batch(), dir.file("stop"), false); });
  EXPECT_NE(message.find("at epoch 1, batch 3"), std::string::npos) << message;
  EXPECT_NE(message.find("train.on_nan"), std::string::npos) << message;

  train::TrainerOptions o = toy_options(dir.file("skip"));
  o.on_nan = train::OnNan::SkipBatch;
  EXPECT_EQ(fit(nan_third_batch(), o, false).epochs_done, 2);
  const auto log = lines(dir.file("skip") + "/metrics.jsonl");
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(log[0])["skipped_batches"], 1);
  EXPECT_EQ(nlohmann::json::parse(log[1])["skipped_batches"], 0);
}

TEST(Trainer, PreemptionSavesMidEpochAndResumesBitIdentically) {
  test::TempDir dir;
  const std::string straight_dir = dir.file("straight"), run = dir.file("preempted");
  const models::Net straight = toy_net();
  const auto straight_result = fit(straight, straight_dir, false);

  // The signal arrives during a batch; the run saves after it and stops: in epoch 1 after batch 3, then (resumed)
  // in epoch 2 after its batch 2, each time with a different signal.
  const auto signalled_at = [](int64_t at, int signal) {
    return hooked_toy_net([at, signal](bool training, int64_t call, torch::Tensor out) {
      if (training && call == at) std::raise(signal);
      return out;
    });
  };
  try {
    fit(signalled_at(3, SIGUSR1), run, false);
    FAIL() << "not preempted";
  } catch (const train::Preempted& p) {
    EXPECT_EQ(p.signal(), SIGUSR1);
    EXPECT_NE(std::string(p.what()).find("epoch-0000-batch-000003.ckpt"), std::string::npos) << p.what();
  }
  EXPECT_EQ(train::read_run_manifest(run)->last.batch, 3);
  EXPECT_THROW(fit(signalled_at(4, SIGTERM), run, true), train::Preempted);  // 2 to end epoch 1, 2 of epoch 2
  EXPECT_EQ(train::read_run_manifest(run)->last.file, "epoch-0001-batch-000002.ckpt");
  EXPECT_EQ(lines(run + "/metrics.jsonl").size(), 1u);

  const models::Net resumed = toy_net();
  const auto resumed_result = fit(resumed, run, true);
  expect_same_parameters(straight, resumed);
  EXPECT_EQ(resumed_result.best_test_metric, straight_result.best_test_metric);
  EXPECT_EQ(metrics_without_timing(run), metrics_without_timing(straight_dir));
}

TEST(Trainer, CheckpointEveryStepsCommitsMidEpochCheckpoints) {
  test::TempDir dir;
  const models::Net straight = toy_net();
  fit(straight, dir.file("straight"), false);

  train::TrainerOptions o = toy_options(dir.file("run"));
  o.checkpoint_every = "2";
  EXPECT_THROW(fit(toy_net(/*crash_after_batches=*/4), o, false), std::runtime_error);  // 3 batches done
  EXPECT_EQ(train::read_run_manifest(dir.file("run"))->last.file, "epoch-0000-batch-000002.ckpt");
  const models::Net resumed = toy_net();
  fit(resumed, o, true);
  expect_same_parameters(straight, resumed);
  EXPECT_EQ(metrics_without_timing(dir.file("run")), metrics_without_timing(dir.file("straight")));

  o.checkpoint_every = "every so often";
  EXPECT_NE(error_message([&] { fit(toy_net(), o, false); }).find("every so often"), std::string::npos);
}

TEST(Trainer, CheckpointEveryTakesStepsOrMinutes) {
  EXPECT_EQ(train::parse_checkpoint_every("500").steps, 500);
  EXPECT_EQ(train::parse_checkpoint_every("30m").minutes, 30);
  EXPECT_EQ(train::parse_checkpoint_every("1.5min").minutes, 1.5);
  EXPECT_EQ(train::parse_checkpoint_every("0").steps, 0);
  for (const char* bad : {"", "-1", "1.5", "10s", "m", "nan"})
    EXPECT_THROW(train::parse_checkpoint_every(bad), std::invalid_argument) << bad;
}

TEST(Trainer, ResumeFromPreviousFallsBackWhenTheLastCheckpointIsBroken) {
  test::TempDir dir;
  const std::string intact = dir.file("intact"), broken = dir.file("broken");
  const models::Net reference = toy_net();
  fit(reference, intact, false);

  // The same two epochs, the second's checkpoint broken: falling back retrains epoch 2 from epoch 1.
  fit(toy_net(), broken, false);
  const std::string last = broken + "/epoch-0002.ckpt";
  const std::string bytes = io::read_file(last);
  io::write_file_atomic(last, bytes.substr(0, bytes.size() / 2));
  const train::TrainerOptions more = toy_options(broken);
  const auto before = snapshot(broken);
  const std::string message = error_message([&] { fit(toy_net(), more, true); });
  EXPECT_NE(message.find("epoch-0002.ckpt"), std::string::npos) << message;
  EXPECT_NE(message.find("--resume-from-previous"), std::string::npos) << message;
  EXPECT_EQ(snapshot(broken), before);

  const models::Net recovered = toy_net();
  fit(recovered, more, true, false, /*from_previous=*/true);
  expect_same_parameters(reference, recovered);
  EXPECT_EQ(metrics_without_timing(broken), metrics_without_timing(intact));
  EXPECT_EQ(link_target(broken + "/best.ckpt"), train::read_run_manifest(broken)->last.best);
}

TEST(TrainingMemory, AnEstimateAboveTheAvailableMemoryIsRefusedNamingTheKey) {
  ToyNet module;
  const models::Net net{module.ptr(), nullptr};
  models::NetFacts facts;
  facts.activation_bytes_per_example = 1e15;
  const train::TrainingMemory memory = train::estimate_training_memory(net, facts, 1000);
  EXPECT_EQ(memory.activation_bytes, 1e18);
  EXPECT_GT(memory.state_bytes, 0);
  ASSERT_TRUE(train::available_memory(torch::kCPU));
  const std::string message = error_message([&] { train::check_training_memory(memory, 1000, torch::kCPU); });
  EXPECT_NE(message.find("train.batch_size"), std::string::npos) << message;
  EXPECT_NE(message.find("at batch size 1000"), std::string::npos) << message;
  facts.activation_bytes_per_example = 1;
  EXPECT_NO_THROW(train::check_training_memory(train::estimate_training_memory(net, facts, 1), 1, torch::kCPU));
}
