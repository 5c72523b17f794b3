// longconv info CONFIG [key=value ...]: size of the model and a training memory estimate.
#include <cstdlib>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "commands.h"
#include "train/experiment.h"
#include "train/memory_estimate.h"
#include "train/run_config.h"

namespace longconv::cli {
namespace {

struct InfoArgs {
  std::string config;
  std::vector<std::string> overrides;
};

void run_info(const InfoArgs& args) {
  Config config = load_command_config(args.config, args.overrides);
  const std::string net_name = config.get_string("net.type");
  // Data-dependent net keys come from the dataset when one is named, else from the config as written.
  Config resolved = config;
  models::Net net;
  if (config.is_null("dataset.name")) {
    net = train::build_net(config);
  } else {
    train::Experiment e = train::build_experiment(config);
    net = e.net;
    resolved = e.config;
  }

  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  fmt::print("runtime: {} threads, OMP_WAIT_POLICY={}\n", at::get_num_threads(), wait_policy ? wait_policy : "unset");
  fmt::print("net.type: {}\n", net_name);
  models::NetFacts facts;
  if (const auto& describe = models::net_type(net_name).describe) facts = describe(net);
  const int64_t batch = train::trainer_options(resolved).loader.batch_size;
  const train::TrainingMemory memory = train::estimate_training_memory(net, facts, batch);
  fmt::print("parameters: {} ({})\n", memory.parameters, train::format_bytes(memory.parameter_bytes));
  for (const auto& line : facts.lines) fmt::print("{}\n", line);
  if (facts.activation_bytes_per_example)
    fmt::print("activation memory per example (float32, training): ~{}\n",
               train::format_bytes(*facts.activation_bytes_per_example));

  if (memory.activation_bytes)
    fmt::print("training memory at batch size {}: {} (parameters, gradients, optimizer state {} + activations {})\n",
               batch, train::format_bytes(memory.total()), train::format_bytes(memory.state_bytes),
               train::format_bytes(*memory.activation_bytes));
  else
    fmt::print(
        "training memory at batch size {}: {} for parameters, gradients and optimizer state "
        "(activations not estimated for {})\n",
        batch, train::format_bytes(memory.total()), net_name);
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto args = std::make_shared<InfoArgs>();
  CLI::App* cmd = app.add_subcommand("info", "parameter count, layer facts and a training memory estimate");
  add_config_arguments(*cmd, args->config, args->overrides);
  cmd->callback([args] { run_info(*args); });
}

}  // namespace longconv::cli
