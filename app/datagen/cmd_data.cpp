// longconv data GENERATOR ...: the dataset generators share one `data` command; each adds its own subcommand.
#include "commands.h"

namespace longconv::cli {

CLI::App& data_command(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App* s) { return s->get_name() == "data"; })) return *sub;
  CLI::App* data = app.add_subcommand("data", "write a generated dataset in its published on-disk format");
  data->require_subcommand(1);
  return *data;
}

}  // namespace longconv::cli
