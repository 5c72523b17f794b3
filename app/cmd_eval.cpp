// longconv eval CONFIG --checkpoint C [key=value ...]
#include <memory>

#include <fmt/format.h>

#include "commands.h"
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
};

void run_eval(const EvalArgs& args) {
  Config config = load_command_config(args.config, args.overrides);
  const train::EvalOptions options = train::eval_options(train::trainer_options(config));
  train::Experiment e = train::build_experiment(std::move(config));
  train::load_checkpoint(args.checkpoint, *e.net.module);
  e.net.module->to(options.device);

  auto& objective = *e.objective;
  const auto report = [&](const char* split, const std::shared_ptr<const data::Dataset>& dataset) {
    if (!dataset) return;
    const train::EvalResult r = train::evaluate(e.net, objective, dataset, options);
    fmt::print("{} loss {:.6f} {} {} ({} examples)\n", split, r.loss, objective.name(), objective.format(r.metric),
               r.examples);
  };
  report("val", e.splits.val);
  report("test", e.splits.test);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "evaluate a checkpoint on the validation and test sets");
  add_config_arguments(*cmd, args->config, args->overrides);
  cmd->add_option("--checkpoint", args->checkpoint, "checkpoint written by `longconv train`")->required();
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace longconv::cli
