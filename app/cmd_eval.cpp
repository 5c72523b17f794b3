// longconv eval CONFIG --checkpoint C [key=value ...]
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "dist/config_agreement.h"
#include "dist/process_group.h"
#include "launcher.h"
#include "train/checkpoint.h"
#include "train/evaluate.h"
#include "train/experiment.h"
#include "train/run_config.h"
#include "train/trainer.h"

namespace longconv::cli {
namespace {

struct EvalArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string checkpoint;
  int nproc = 1;
};

void run_eval(const EvalArgs& args) {
  Config config = load_command_config(args.config, args.overrides);
  const train::TrainerOptions trainer = train::trainer_options(config);
  if (args.nproc > 1 && !is_dist_worker()) {
    std::vector<std::string> argv = {"eval", args.config, "--checkpoint", args.checkpoint};
    argv.insert(argv.end(), args.overrides.begin(), args.overrides.end());
    launch_workers(args.nproc, argv, train::run_threads(config) == 0);
    return;
  }
  train::EvalOptions options = train::eval_options(trainer);
  const auto group = dist::process_group_from_environment(trainer.dist, options.device);
  if (group && options.device.is_cuda()) options.device = torch::Device(torch::kCUDA, group->env().local_rank);
  options.group = group.get();
  train::Experiment e = train::build_experiment(std::move(config));
  if (group) dist::check_same_config(*group, e.config.to_yaml());
  train::load_checkpoint(args.checkpoint, *e.net.module);
  e.net.module->to(options.device);

  auto& objective = *e.objective;
  const auto report = [&](const char* split, const std::shared_ptr<const data::Dataset>& dataset) {
    if (!dataset) return;
    const train::EvalResult r = train::evaluate(e.net, objective, dataset, options);
    if (group && group->rank() != 0) return;
    fmt::print("{} loss {:.6f} {} {} ({} examples)\n", split, r.loss, objective.name(), objective.format(r.metric),
               r.examples);
  };
  report("val", e.splits.val);
  report("test", e.splits.test);
  if (group) group->barrier();
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a checkpoint on the validation and test sets");
  add_config_arguments(*cmd, args->config, args->overrides);
  cmd->add_option("--checkpoint", args->checkpoint, "checkpoint written by `longconv train`")->required();
  add_nproc_option(*cmd, args->nproc);
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace longconv::cli
