// longconv list: the net types, datasets and objectives this build knows.
#include <fmt/format.h>

#include "commands.h"
#include "data/registry.h"
#include "models/registry.h"
#include "train/objective.h"

namespace longconv::cli {
namespace {

void run_list() {
  fmt::print("net types (net.type):\n");
  for (const auto& name : models::net_type_names()) fmt::print("  {:<18} {}\n", name, models::net_type(name).help);
  fmt::print("datasets (dataset.name):\n");
  for (const auto& name : data::dataset_type_names()) fmt::print("  {:<18} {}\n", name, data::dataset_type(name).help);
  fmt::print("objectives (chosen by the dataset's task):\n");
  for (const auto& task : train::kTaskNames) {
    const auto objective = train::make_objective(task.value);
    fmt::print("  {:<18} metric {} ({} is better)\n", task.name, objective->name(),
               objective->higher_is_better() ? "higher" : "lower");
  }
}

}  // namespace

void add_list_command(CLI::App& app) {
  app.add_subcommand("list", "the net types, datasets and objectives this build knows")->callback(run_list);
}

}  // namespace longconv::cli
