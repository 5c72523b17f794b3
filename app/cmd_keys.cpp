// longconv keys CONFIG [key=value ...]: every key the config accepts (its net.type's and dataset.name's keys
// included), with its type, default, allowed values and help.
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "train/run_config.h"

namespace longconv::cli {
namespace {

struct KeysArgs {
  std::string config;
  std::vector<std::string> overrides;
};

std::string default_text(const KeySpec& spec) {
  if (spec.default_value.IsNull()) return "null";
  if (spec.default_value.IsSequence()) {
    std::vector<std::string> items;
    for (const auto& item : spec.default_value) items.push_back(item.Scalar());
    return fmt::format("[{}]", fmt::join(items, ", "));
  }
  return spec.default_value.Scalar();
}

void run_keys(const KeysArgs& args) {
  // The file's values only select the schema (net.type, dataset.name): the defaults printed are the schema's.
  const Config config = train::load_run_config(args.config, args.overrides);
  for (const auto& [key, spec] : config.schema().keys()) {
    std::string allowed;
    if (!spec.choices.empty()) allowed = fmt::format(" one of [{}]", fmt::join(spec.choices, ", "));
    if (!spec.constraint.empty()) allowed = " " + spec.constraint;
    fmt::print("{} ({}{}, default {}{}): {}\n", key, value_type_name(spec.type), spec.nullable ? " or null" : "",
               default_text(spec), allowed, spec.help);
  }
}

}  // namespace

void add_keys_command(CLI::App& app) {
  auto args = std::make_shared<KeysArgs>();
  CLI::App* cmd = app.add_subcommand("keys", "every key a config accepts, with type, default, allowed values and help");
  add_config_arguments(*cmd, args->config, args->overrides);
  cmd->callback([args] { run_keys(*args); });
}

}  // namespace longconv::cli
