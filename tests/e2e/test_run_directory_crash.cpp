// End to end: the run directory survives kill -9 at any moment, and preemption signals. A tiny MultiresNet run that
// commits a checkpoint after every step (train.checkpoint_every: 1), so that most of its time is spent between
// checkpoint writes, is killed at random moments and resumed each time; the directory must always be consistent and
// the final parameters equal those of an uninterrupted run.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "support/cli.h"
#include "support/mnist_writer.h"
#include "support/temp_dir.h"
#include "train/preemption.h"
#include "train/run_directory.h"

using namespace longconv;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

std::string write_config(const test::TempDir& dir, const std::string& name) {
  const std::string data = dir.file("data");
  if (!fs::exists(data)) {
    fs::create_directories(data);
    test::write_mnist_split(data, "train", 40);
    test::write_mnist_split(data, "t10k", 10);
  }
  const std::string path = dir.file(name + ".yaml");
  std::ofstream(path) << "seed: 1\nthreads: 1\n"
                         "net:\n  type: MultiresNet\n  d_model: 4\n  n_layers: 1\n"
                         "dataset:\n  name: fashion_mnist\n  data_dir: "
                      << data
                      << "\n  val_split: 0.2\n"
                         "train:\n  epochs: 3\n  batch_size: 4\n  max_eval_batches: 1\n  checkpoint_every: 1\n"
                         "  out_dir: "
                      << dir.file(name) << "\n";
  return path;
}

// Starts `longconv train CONFIG [FLAG]` with its stdout and stderr in `log`.
pid_t start_train(const std::string& config, const std::string& flag, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec: the test process has threads.
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::dup2(fd, 1) < 0 || ::dup2(fd, 2) < 0) ::_exit(127);
    ::execl(LONGCONV_CLI, "longconv", "train", config.c_str(), flag.empty() ? nullptr : flag.c_str(), nullptr);
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid`; its exit code, or -signal when a signal ended it.
int wait_for(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// The model tensors of a checkpoint by name.
std::map<std::string, torch::Tensor> model_tensors(const std::string& checkpoint) {
  torch::serialize::InputArchive archive, model;
  archive.load_from(checkpoint);
  EXPECT_TRUE(archive.try_read("model", model)) << checkpoint;
  std::map<std::string, torch::Tensor> out;
  for (const auto& key : model.keys()) model.try_read(key, out[key]);
  return out;
}

// The metrics lines' epochs.
std::vector<int64_t> logged_epochs(const std::string& out_dir) {
  std::vector<int64_t> epochs;
  std::istringstream in(fs::exists(out_dir + "/metrics.jsonl") ? io::read_file(out_dir + "/metrics.jsonl") : "");
  for (std::string line; std::getline(in, line);) epochs.push_back(nlohmann::json::parse(line).at("epoch"));
  return epochs;
}

// What holds at every moment, even right after a kill: the manifest names complete checkpoints (each loads), and
// the log has one line per epoch, in order, none past the committed one.
void expect_committed_state_is_complete(const std::string& out_dir, const std::string& when) {
  SCOPED_TRACE(when);
  const auto manifest = train::read_run_manifest(out_dir);
  if (!manifest) return;
  for (const auto* c : {&manifest->last, manifest->previous ? &*manifest->previous : nullptr}) {
    if (!c) continue;
    for (const auto& file : {c->file, c->best}) {
      if (file.empty()) continue;
      EXPECT_NO_THROW(model_tensors(out_dir + "/" + file)) << file;
    }
  }
  const auto epochs = logged_epochs(out_dir);
  for (size_t i = 0; i < epochs.size(); ++i) EXPECT_EQ(epochs[i], static_cast<int64_t>(i) + 1);
  EXPECT_LE(static_cast<int64_t>(epochs.size()), manifest->last.epoch);
}

// What holds once a run has started (or finished): the links resolve from the manifest, and nothing else is left.
void expect_repaired(const std::string& out_dir) {
  const auto manifest = train::read_run_manifest(out_dir);
  ASSERT_TRUE(manifest);
  EXPECT_EQ(fs::read_symlink(out_dir + "/last.ckpt").string(), manifest->last.file);
  EXPECT_EQ(fs::read_symlink(out_dir + "/best.ckpt").string(), manifest->last.best);
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(name.find(".tmp."), std::string::npos) << name;
    if (name.rfind("epoch-", 0) == 0) {
      EXPECT_TRUE(name == manifest->last.file || name == manifest->last.best ||
                  (manifest->previous && (name == manifest->previous->file || name == manifest->previous->best)))
          << name;
    }
  }
}

void expect_same_model(const std::string& a, const std::string& b) {
  const auto ta = model_tensors(a), tb = model_tensors(b);
  ASSERT_EQ(ta.size(), tb.size());
  for (const auto& [name, tensor] : ta) EXPECT_TRUE(torch::equal(tensor, tb.at(name))) << name;
}

}  // namespace

TEST(RunDirectoryCrash, KilledAtRandomMomentsAndResumedEndsAsAnUninterruptedRun) {
  const test::TempDir dir;
  const std::string straight = write_config(dir, "straight"), crashed = write_config(dir, "crashed");
  const auto t0 = Clock::now();
  const auto r = test::run_cli(dir, "train " + straight);
  const double run_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_EQ(r.code, 0) << r.err;

  const std::string out_dir = dir.file("crashed"), log = dir.file("crashed.log");
  const auto expect_finished_as_straight = [&](const std::string& when) {
    SCOPED_TRACE(when);
    expect_repaired(out_dir);
    expect_committed_state_is_complete(out_dir, when);
    EXPECT_EQ(logged_epochs(out_dir), (std::vector<int64_t>{1, 2, 3}));
    expect_same_model(dir.file("straight/last.ckpt"), out_dir + "/last.ckpt");
    expect_same_model(dir.file("straight/best.ckpt"), out_dir + "/best.ckpt");
  };

  // Kill moments spread over a whole run's time, so they land in start-up, in training steps, in the commits after
  // every step and in evaluation. A run that finishes before its kill is checked and started over (--overwrite, which
  // gets killed too).
  std::mt19937 rng(2026);
  std::uniform_real_distribution<double> moment(0.0, run_seconds);
  std::string flag = "--overwrite";
  int kills = 0, finished = 0;
  for (int attempt = 0; attempt < 80 && kills < 25; ++attempt) {
    const pid_t pid = start_train(crashed, flag, log);
    std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
    ::kill(pid, SIGKILL);
    const int code = wait_for(pid);
    if (code == 0) {
      ++finished;
      expect_finished_as_straight("finished before kill " + std::to_string(kills + 1));
      flag = "--overwrite";
      continue;
    }
    ASSERT_EQ(code, -SIGKILL) << io::read_file(log);
    ++kills;
    expect_committed_state_is_complete(out_dir, "after kill " + std::to_string(kills));
    flag = train::read_run_manifest(out_dir) ? "--resume" : "--overwrite";
  }
  EXPECT_EQ(kills, 25);
  RecordProperty("runs_finished_between_kills", finished);

  const auto done = test::run_cli(dir, "train " + crashed + " --resume");
  ASSERT_EQ(done.code, 0) << done.err;
  EXPECT_EQ(done.out, r.out);  // the same final test metric
  expect_finished_as_straight("resumed after the last kill");
}

TEST(RunDirectoryCrash, TermSavesAndExitsWithThePreemptionCodeAndResumeContinues) {
  const test::TempDir dir;
  const std::string straight = write_config(dir, "straight"), preempted = write_config(dir, "preempted");
  ASSERT_EQ(test::run_cli(dir, "train " + straight).code, 0);

  const std::string out_dir = dir.file("preempted");
  const pid_t pid = start_train(preempted, "", dir.file("preempted.log"));
  // Signalled once it has committed a checkpoint.
  while (!train::read_run_manifest(out_dir)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGTERM);
  EXPECT_EQ(wait_for(pid), train::kPreemptedExitCode);
  const std::string log = io::read_file(dir.file("preempted.log"));
  EXPECT_NE(log.find("received: saved " + out_dir + "/epoch-"), std::string::npos) << log;
  EXPECT_NE(log.find("--resume"), std::string::npos) << log;
  EXPECT_GT(train::read_run_manifest(out_dir)->last.batch, 0);

  const auto again = test::run_cli(dir, "train " + preempted + " --resume");
  ASSERT_EQ(again.code, 0) << again.err;
  expect_same_model(dir.file("straight/last.ckpt"), out_dir + "/last.ckpt");
}

TEST(RunDirectoryCrash, TwoRunsOnOneDirectory) {
  const test::TempDir dir;
  const std::string config = write_config(dir, "run");
  const pid_t first = start_train(config, "", dir.file("first.log"));
  // Held still mid-run while the second starts, so that the two surely overlap.
  while (!train::read_run_manifest(dir.file("run"))) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(first, SIGSTOP);
  const auto second = test::run_cli(dir, "train " + config + " --overwrite");
  ::kill(first, SIGCONT);
  EXPECT_EQ(second.code, 1);
  EXPECT_NE(second.err.find("in use by another run (pid " + std::to_string(first) + ","), std::string::npos)
      << second.err;
  EXPECT_EQ(wait_for(first), 0) << io::read_file(dir.file("first.log"));
  EXPECT_EQ(logged_epochs(dir.file("run")), (std::vector<int64_t>{1, 2, 3}));
}
