// End to end: data-parallel `longconv train` / `eval` on loopback Gloo, against the same runs in one process.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include "support/cli.h"
#include "support/free_port.h"
#include "support/mnist_writer.h"
#include "support/temp_dir.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/preemption.h"
#include "train/run_config.h"
#include "train/run_directory.h"

using namespace longconv;
using test::run_cli;
using test::slurp;
using test::TempDir;

namespace {

// Adding problem, 171 training examples: 10 global batches of 16 and one of 11 (6 + 5 on two ranks) per epoch, so
// 2 epochs are 22 optimizer steps.
std::string write_adding_config(const TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name + ".yaml");
  std::ofstream(path) << "seed: 3\nthreads: 1\n"
                         "net:\n  type: MultiresNet\n  d_model: 8\n  n_layers: 2\n  dropout: 0\n"
                         "dataset:\n  name: adding_problem\n  seq_length: 32\n  train_size: 190\n  test_size: 21\n"
                         "  val_split: 0.1\n"
                         "train:\n  epochs: 2\n  batch_size: 16\n  eval_batch_size: 7\n  out_dir: "
                      << dir.file(name) << "\n";
  return path;
}

// The parameters and buffers in `checkpoint` of the model `config` builds.
std::vector<std::pair<std::string, torch::Tensor>> checkpoint_parameters(const std::string& config,
                                                                         const std::string& checkpoint) {
  train::Experiment e = train::build_experiment(train::load_run_config(config, {}));
  train::load_checkpoint(checkpoint, *e.net.module);
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : e.net.module->named_parameters()) out.emplace_back(p.key(), p.value().detach().clone());
  for (const auto& b : e.net.module->named_buffers())
    if (b.value().is_floating_point()) out.emplace_back(b.key(), b.value().clone());
  return out;
}

// Largest |a - b| / max|a| over the tensors.
double max_relative_difference(const std::vector<std::pair<std::string, torch::Tensor>>& a,
                               const std::vector<std::pair<std::string, torch::Tensor>>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    const double scale = std::max(a[i].second.abs().max().item<double>(), 1e-30);
    worst = std::max(worst, (a[i].second - b[i].second).abs().max().item<double>() / scale);
  }
  return worst;
}

// Resumes the 2-rank run of `config` (out_dir <dir>/run) and trains `straight` (out_dir <dir>/straight) through
// with the same `overrides`: both end with the same parameters, bit for bit.
void expect_resume_ends_as_straight(const TempDir& dir, const std::string& config, const std::string& straight,
                                    const std::string& overrides) {
  const auto resumed = run_cli(dir, "train " + config + " --resume --nproc 2" + overrides);
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  const auto full = run_cli(dir, "train " + straight + " --nproc 2" + overrides);
  ASSERT_EQ(full.code, 0) << full.err;
  EXPECT_EQ(max_relative_difference(checkpoint_parameters(config, dir.file("run/last.ckpt")),
                                    checkpoint_parameters(straight, dir.file("straight/last.ckpt"))),
            0.0);
}

// The numbers logged under the keys `keys` (a regex) in metrics.jsonl text, in order.
std::vector<double> logged(const std::string& metrics, const std::string& keys) {
  std::vector<double> out;
  const std::regex number("\"(" + keys + ")\":([-0-9.e]+)");
  for (std::sregex_iterator it(metrics.begin(), metrics.end(), number), end; it != end; ++it)
    out.push_back(std::stod((*it)[it->size() - 1].str()));
  return out;
}

// One worker of a torchrun-style launch, its stderr in <dir>/rank<k>.err; returns its pid.
// `longconv ARGS` in the background with the variables `env`, its output in <dir>/<name>.out and .err.
pid_t start_cli(const TempDir& dir, const std::string& env, const std::string& args, const std::string& name) {
  const std::string cmd = "exec env " + env + " " + LONGCONV_CLI + " " + args + " >" + dir.file(name + ".out") + " 2>" +
                          dir.file(name + ".err");
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

pid_t start_worker(const TempDir& dir, int rank, int world, uint16_t port, const std::string& args) {
  return start_cli(dir,
                   "RANK=" + std::to_string(rank) + " WORLD_SIZE=" + std::to_string(world) + " LOCAL_RANK=" +
                       std::to_string(rank) + " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port),
                   args, "rank" + std::to_string(rank));
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int64_t count_lines(const std::string& path) {
  const std::string s = slurp(path);
  return std::count(s.begin(), s.end(), '\n');
}

}  // namespace

TEST(Distributed, TwoRanksEndWithTheParametersOfOneProcess) {
  const TempDir dir;
  const std::string one = write_adding_config(dir, "one");
  const std::string two = write_adding_config(dir, "two");
  const auto r1 = run_cli(dir, "train " + one);
  ASSERT_EQ(r1.code, 0) << r1.err;
  const auto r2 = run_cli(dir, "train " + two + " --nproc 2");
  ASSERT_EQ(r2.code, 0) << r2.err;
  EXPECT_NE(r2.err.find("[rank 0] "), std::string::npos) << r2.err;
  // float32, 22 AdamW steps: the all-reduce changes only the order of the summation.
  EXPECT_LT(max_relative_difference(checkpoint_parameters(one, dir.file("one/last.ckpt")),
                                    checkpoint_parameters(two, dir.file("two/last.ckpt"))),
            1e-5);
  // Rank 0 alone wrote the run directory; the reduced validation and test losses are the one-process ones.
  const auto l1 = logged(slurp(dir.file("one/metrics.jsonl")), "(val|test)_loss");
  const auto l2 = logged(slurp(dir.file("two/metrics.jsonl")), "(val|test)_loss");
  ASSERT_EQ(l1.size(), 4u);
  ASSERT_EQ(l2.size(), 4u);
  for (size_t i = 0; i < l1.size(); ++i) EXPECT_NEAR(l1[i], l2[i], 1e-5 * std::abs(l1[i])) << i;
}

TEST(Distributed, EvaluationOfTwoRanksEqualsOneProcess) {
  const TempDir dir;
  std::filesystem::create_directories(dir.path() / "data");
  test::write_mnist_split(dir.file("data"), "train", 30);
  test::write_mnist_split(dir.file("data"), "t10k", 13);  // 13 test examples: batches of 4, ranks 2+2 .. 1+0
  const std::string config = dir.file("run.yaml");
  std::ofstream(config) << "seed: 1\nthreads: 1\n"
                           "net:\n  type: MultiresNet\n  d_model: 4\n  n_layers: 1\n"
                           "dataset:\n  name: fashion_mnist\n  data_dir: "
                        << dir.file("data")
                        << "\n  val_split: 0.2\n"
                           "train:\n  epochs: 1\n  batch_size: 8\n  eval_batch_size: 4\n  out_dir: "
                        << dir.file("run") << "\n";
  ASSERT_EQ(run_cli(dir, "train " + config).code, 0);
  const std::string eval = "eval " + config + " --checkpoint " + dir.file("run/last.ckpt");
  const auto e1 = run_cli(dir, eval);
  ASSERT_EQ(e1.code, 0) << e1.err;
  const auto e2 = run_cli(dir, eval + " --nproc 2");
  ASSERT_EQ(e2.code, 0) << e2.err;
  // "test loss 2.302585 accuracy 7.69% (13 examples)": counts exactly, the loss to float32 rounding.
  const std::regex line("(val|test) loss ([0-9.]+) accuracy ([0-9.]+%) \\((\\d+) examples\\)");
  std::smatch m1, m2;
  for (auto [s1, s2] = std::pair{e1.out, e2.out}; std::regex_search(s1, m1, line);) {
    ASSERT_TRUE(std::regex_search(s2, m2, line)) << e2.out;
    EXPECT_EQ(m1[1], m2[1]);
    EXPECT_EQ(m1[3], m2[3]) << e1.out << e2.out;
    EXPECT_EQ(m1[4], m2[4]) << e1.out << e2.out;
    EXPECT_NEAR(std::stod(m1[2]), std::stod(m2[2]), 1e-5);
    s1 = m1.suffix();
    s2 = m2.suffix();
  }
  EXPECT_NE(e2.out.find("(13 examples)"), std::string::npos) << e2.out;
}

TEST(Distributed, RanksWithDifferentConfigsNameTheKey) {
  const TempDir dir;
  const std::string config = write_adding_config(dir, "run");
  const uint16_t port = test::free_port();
  const pid_t r0 = start_worker(dir, 0, 2, port, "train " + config + " dist.timeout=30");
  const pid_t r1 = start_worker(dir, 1, 2, port, "train " + config + " dist.timeout=30 train.grad_clip=1");
  EXPECT_NE(wait_exit_code(r0), 0);
  EXPECT_NE(wait_exit_code(r1), 0);
  for (const char* err : {"rank0.err", "rank1.err"}) {
    const std::string e = slurp(dir.file(err));
    EXPECT_NE(e.find("different configs"), std::string::npos) << e;
    EXPECT_NE(e.find("rank 1 differs from rank 0 in train.grad_clip: 0"), std::string::npos) << e;
  }
}

TEST(Distributed, KilledWorkerIsNamedAndTheRunResumesExactly) {
  const TempDir dir;
  const std::string config = write_adding_config(dir, "run");
  const std::string straight = write_adding_config(dir, "straight");
  const std::string epochs = " train.epochs=12 dist.timeout=20";
  const uint16_t port = test::free_port();
  const pid_t r0 = start_worker(dir, 0, 2, port, "train " + config + epochs);
  const pid_t r1 = start_worker(dir, 1, 2, port, "train " + config + epochs);
  // Kill rank 1 once an epoch is committed, well before the 12th.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  while (count_lines(dir.file("run/metrics.jsonl")) < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(kill(r1, SIGKILL), 0);
  EXPECT_EQ(wait_exit_code(r1), 128 + SIGKILL);
  EXPECT_EQ(wait_exit_code(r0), 1);
  const std::string err = slurp(dir.file("rank0.err"));
  EXPECT_NE(err.find("lost rank 1"), std::string::npos) << err;
  ASSERT_LT(count_lines(dir.file("run/metrics.jsonl")), 12);

  expect_resume_ends_as_straight(dir, config, straight, epochs);
}

TEST(Distributed, PreemptedRanksCheckpointTogetherAndResumeExactly) {
  const TempDir dir;
  const std::string config = write_adding_config(dir, "run");
  const std::string straight = write_adding_config(dir, "straight");
  // 11 batches an epoch; mid-epoch checkpoints every 5 steps, so the first commit comes within epoch 1.
  const std::string epochs = " train.epochs=6 train.checkpoint_every=5";
  const pid_t launcher = start_cli(dir, "", "train " + config + " --nproc 2" + epochs, "launcher");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (!train::read_run_manifest(dir.file("run")) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(kill(launcher, SIGTERM), 0);  // forwarded to both workers
  EXPECT_EQ(wait_exit_code(launcher), train::kPreemptedExitCode);
  const std::string err = slurp(dir.file("launcher.err"));
  EXPECT_NE(err.find("[rank 0] Terminated received: saved " + dir.file("run") + "/epoch-"), std::string::npos) << err;
  const auto manifest = train::read_run_manifest(dir.file("run"));
  ASSERT_TRUE(manifest);
  EXPECT_GT(manifest->last.batch, 0);  // within an epoch, with both ranks' running sums

  // It holds one state per rank: resuming with another count is refused, even when asked to allow it.
  const auto alone = run_cli(dir, "train " + config + " --resume --allow-world-size-change" + epochs);
  EXPECT_NE(alone.code, 0);
  EXPECT_NE(alone.err.find("a mid-epoch checkpoint resumes only with as many"), std::string::npos) << alone.err;

  expect_resume_ends_as_straight(dir, config, straight, epochs);
  EXPECT_EQ(logged(slurp(dir.file("run/metrics.jsonl")), "(train|val|test)_loss"),
            logged(slurp(dir.file("straight/metrics.jsonl")), "(train|val|test)_loss"));
}

TEST(Distributed, LauncherReportsTheFailingRank) {
  const TempDir dir;
  const std::string config = write_adding_config(dir, "run");
  const auto r = run_cli(dir, "train " + config + " --nproc 3");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("train.batch_size 16 is the global batch and must divide by the 3 ranks"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("error: rank "), std::string::npos) << r.err;
}

TEST(Distributed, AccumulatingTwoBatchesOfEightEqualsOneOfSixteen) {
  const TempDir dir;
  const std::string whole = write_adding_config(dir, "whole");
  const std::string halves = write_adding_config(dir, "halves");
  const std::string ranks = write_adding_config(dir, "ranks");
  ASSERT_EQ(run_cli(dir, "train " + whole).code, 0);
  const auto a = run_cli(dir, "train " + halves + " train.batch_size=8 train.accumulate_grad_steps=2");
  ASSERT_EQ(a.code, 0) << a.err;
  const auto b = run_cli(dir, "train " + ranks + " train.batch_size=8 train.accumulate_grad_steps=2 --nproc 2");
  ASSERT_EQ(b.code, 0) << b.err;
  const auto reference = checkpoint_parameters(whole, dir.file("whole/last.ckpt"));
  EXPECT_LT(max_relative_difference(reference, checkpoint_parameters(halves, dir.file("halves/last.ckpt"))), 1e-5);
  EXPECT_LT(max_relative_difference(reference, checkpoint_parameters(ranks, dir.file("ranks/last.ckpt"))), 1e-5);
}

TEST(Distributed, SyncBatchNormCcnnOfTwoRanksMatchesOneProcess) {
  const TempDir dir;
  // The small 3D CCNN (BatchNorm in the stem and every block, ln_loss weight decay), narrowed; one batch per epoch,
  // so each epoch's train_loss is one step's. Parameters are not compared: the biases that only feed a BatchNorm
  // have no gradient but summation noise, which AdamW turns into steps of +-lr, so they differ with any summation
  // order; the training losses do not depend on them.
  const std::string run = "train " + std::string(LONGCONV_SOURCE_DIR) +
                          "/configs/ccnn/small/voxel_solids_3d.yaml threads=1 net.no_hidden=8 kernel.no_hidden=8 "
                          "kernel.size=5 net.dropout=0 dataset.resolution=6 dataset.train_size=200 "
                          "dataset.test_size=16 train.epochs=3 train.batch_size=16 train.max_train_batches=1 "
                          "train.eval_batch_size=16 train.max_eval_batches=1 scheduler.warmup_epochs=0";
  const auto train_losses = [&](const std::string& name, const std::string& extra) {
    const auto r = run_cli(dir, run + " train.out_dir=" + dir.file(name) + extra);
    EXPECT_EQ(r.code, 0) << r.err;
    return logged(slurp(dir.file(name + "/metrics.jsonl")), "train_loss");
  };
  const auto one = train_losses("one", " train.sync_batchnorm=true");
  const auto synced = train_losses("synced", " train.sync_batchnorm=true --nproc 2");
  const auto per_rank = train_losses("per_rank", " --nproc 2");
  ASSERT_EQ(one.size(), 3u);
  ASSERT_EQ(synced.size(), 3u);
  ASSERT_EQ(per_rank.size(), 3u);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_NEAR(synced[i], one[i], 1e-4 * one[i]) << "step " << i + 1;
  // Without synchronisation each rank normalises its 8 examples: step 2 is already 7e-3 away here.
  EXPECT_GT(std::abs(per_rank[1] - one[1]), 1e-3 * one[1]);
}
