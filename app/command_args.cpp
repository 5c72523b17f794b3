// What several commands share: the config argument and its overrides, loading it, and --nproc.
#include "commands.h"

#include "train/run_config.h"
#include "util/runtime.h"

namespace longconv::cli {

Config load_command_config(const std::string& path, const std::vector<std::string>& overrides) {
  Config config = train::load_run_config(path, overrides);
  init_runtime(train::run_threads(config));
  return config;
}

void add_config_arguments(CLI::App& command, std::string& path, std::vector<std::string>& overrides) {
  command.add_option("config", path, "run config (YAML)")->required();
  command.add_option("overrides", overrides, "key=value overrides of the config, e.g. train.epochs=3");
}

void add_nproc_option(CLI::App& command, int& nproc) {
  command.add_option("--nproc", nproc, "data-parallel worker processes on this machine (each gets cores / N threads)")
      ->check(CLI::Range(1, 1024));
}

}  // namespace longconv::cli
