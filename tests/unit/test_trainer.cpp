#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>

#include <ATen/CPUGeneratorImpl.h>

#include "io/atomic_file.h"
#include "support/temp_dir.h"
#include "train/optimizer.h"
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

// A fresh net as a new process would build it. `crash_after_batches` > 0 makes the training forward throw on that
// call, as a killed run would stop mid-epoch.
models::Net toy_net(int64_t crash_after_batches = 0) {
  torch::manual_seed(7);
  ToyNet module;
  auto calls = std::make_shared<int64_t>(0);
  return {module.ptr(), [module, calls, crash_after_batches](const torch::Tensor& x, const torch::Tensor&) mutable {
            if (module->is_training() && ++*calls == crash_after_batches) throw std::runtime_error("simulated crash");
            return module->forward(x);
          }};
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
                       bool overwrite = false) {
  train::Trainer trainer(net, toy_splits(), train::make_objective(data::Task::Classification), options, "seed: 1\n");
  return trainer.fit(resume, overwrite);
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
