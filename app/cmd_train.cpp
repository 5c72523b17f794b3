// longconv train CONFIG [key=value ...] [--resume [--resume-from-previous] | --overwrite] [--nproc N
//   [--allow-world-size-change]]
#include <algorithm>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "dist/process_group.h"
#include "launcher.h"
#include "train/experiment.h"
#include "train/memory_estimate.h"
#include "train/preemption.h"
#include "train/run_config.h"
#include "train/trainer.h"

namespace longconv::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  bool resume = false;
  bool overwrite = false;
  bool from_previous = false;
  int nproc = 1;
  bool allow_world_size_change = false;
};

void run_train(const TrainArgs& args) {
  Config config = load_command_config(args.config, args.overrides);
  train::TrainerOptions options = train::trainer_options(config);  // bad values fail before data loads
  if (args.nproc > 1 && !is_dist_worker()) {
    std::vector<std::string> argv = {"train", args.config};
    if (args.resume) argv.push_back("--resume");
    if (args.from_previous) argv.push_back("--resume-from-previous");
    if (args.overwrite) argv.push_back("--overwrite");
    if (args.allow_world_size_change) argv.push_back("--allow-world-size-change");
    argv.insert(argv.end(), args.overrides.begin(), args.overrides.end());
    launch_workers(args.nproc, argv, train::run_threads(config) == 0);
    return;
  }
  options.allow_world_size_change = args.allow_world_size_change;
  const auto group = dist::process_group_from_environment(options.dist, options.device);
  if (group && options.device.is_cuda()) options.device = torch::Device(torch::kCUDA, group->env().local_rank);
  train::Experiment e = train::build_experiment(std::move(config));
  models::NetFacts facts;
  if (const auto& describe = models::net_type(e.config.get_string("net.type")).describe) facts = describe(e.net);
  // The whole training set is one batch at most (a rank's share of it); refuse before the first batch is allocated.
  const int64_t world = group ? group->size() : 1;
  const int64_t batch = std::min(options.loader.batch_size, e.splits.train ? e.splits.train->size() : 1);
  const int64_t local_batch = (batch + world - 1) / world;
  train::check_training_memory(train::estimate_training_memory(e.net, facts, local_batch), local_batch, options.device);
  train::Trainer trainer(e.net, e.splits, std::move(e.objective), options, e.config.to_yaml(), group.get());
  train::TrainResult result;
  try {
    result = trainer.fit(args.resume || args.from_previous, args.overwrite, args.from_previous);
  } catch (const train::Preempted& p) {
    if (!group || group->rank() == 0) fmt::print(stderr, "{}\n", p.what());
    std::exit(train::kPreemptedExitCode);
  }
  if (group) group->barrier();
  const auto& objective = trainer.objective();
  if (!group || group->rank() == 0) {
    fmt::print("test {} at best validation: {}\n", objective.name(), objective.format(result.best_test_metric));
    // On stderr: stdout ends with the result line, which scripts read.
    const std::string& run = options.run.out_dir;
    fmt::print(stderr,
               "next:\n"
               "  longconv plot {0}   figures of the curves and the learned filters\n"
               "  longconv export {0}/best.ckpt --out model.safetensors   the weights for the official PyTorch code\n"
               "  train.tensorboard=true   TensorBoard event files beside metrics.jsonl\n"
               "  bigger runs: configs/multires/ and configs/ccnn/ (the papers' settings)\n"
               "  your own data: dataset.name=tensors dataset.path=FILE (docs/own-data.md)\n",
               run);
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train",
                                     "train a model; writes config.yaml, metrics.jsonl, checkpoints and "
                                     "their manifest to train.out_dir (docs/training.md)");
  add_config_arguments(*cmd, args->config, args->overrides);
  cmd->add_flag("--resume", args->resume, "continue from the run's last checkpoint (mid-epoch ones included)");
  cmd->add_flag("--resume-from-previous", args->from_previous,
                "as --resume, but fall back to the checkpoint before the last when the last fails to load");
  cmd->add_flag("--overwrite", args->overwrite, "start afresh even if train.out_dir holds a previous run")
      ->excludes("--resume")
      ->excludes("--resume-from-previous");
  add_nproc_option(*cmd, args->nproc);
  cmd->add_flag("--allow-world-size-change", args->allow_world_size_change,
                "--resume a run written by another number of processes (not bit-exact)");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace longconv::cli
