// longconv train CONFIG [key=value ...] [--resume | --overwrite]
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "train/experiment.h"
#include "train/run_config.h"
#include "train/trainer.h"

namespace longconv::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
  bool resume = false;
  bool overwrite = false;
};

void run_train(const TrainArgs& args) {
  Config config = load_command_config(args.config, args.overrides);
  const train::TrainerOptions options = train::trainer_options(config);  // bad values fail before data loads
  train::Experiment e = train::build_experiment(std::move(config));
  train::Trainer trainer(e.net, e.splits, std::move(e.objective), options, e.config.to_yaml());
  const train::TrainResult result = trainer.fit(args.resume, args.overwrite);
  const auto& objective = trainer.objective();
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

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train",
                                     "train a model; writes config.yaml, metrics.jsonl, last.ckpt and "
                                     "best.ckpt to train.out_dir");
  add_config_arguments(*cmd, args->config, args->overrides);
  cmd->add_flag("--resume", args->resume, "continue from <train.out_dir>/last.ckpt at the next epoch");
  cmd->add_flag("--overwrite", args->overwrite, "start afresh even if train.out_dir holds a previous run");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace longconv::cli
