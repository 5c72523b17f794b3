// longconv train CONFIG [key=value ...] [--resume [--resume-from-previous] | --overwrite]
#include <algorithm>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "commands.h"
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
};

void run_train(const TrainArgs& args) {
  Config config = load_command_config(args.config, args.overrides);
  const train::TrainerOptions options = train::trainer_options(config);  // bad values fail before data loads
  train::Experiment e = train::build_experiment(std::move(config));
  models::NetFacts facts;
  if (const auto& describe = models::net_type(e.config.get_string("net.type")).describe) facts = describe(e.net);
  // The whole training set is one batch at most; refuse before the first batch is allocated.
  const int64_t batch = std::min(options.loader.batch_size, e.splits.train ? e.splits.train->size() : 1);
  train::check_training_memory(train::estimate_training_memory(e.net, facts, batch), batch, options.device);
  train::Trainer trainer(e.net, e.splits, std::move(e.objective), options, e.config.to_yaml());
  train::TrainResult result;
  try {
    result = trainer.fit(args.resume || args.from_previous, args.overwrite, args.from_previous);
  } catch (const train::Preempted& p) {
    fmt::print(stderr, "{}\n", p.what());
    std::exit(train::kPreemptedExitCode);
  }
  const auto& objective = trainer.objective();
  fmt::print("test {} at best validation: {}\n", objective.name(), objective.format(result.best_test_metric));
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
  cmd->callback([args] { run_train(*args); });
}

}  // namespace longconv::cli
