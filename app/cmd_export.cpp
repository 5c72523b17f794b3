// longconv export CHECKPOINT --out model.safetensors: the net's state_dict under the official code's key names (what
// `forward --weights` reads), so `model.load_state_dict(safetensors.torch.load_file(...))` loads it into the
// reference model built with the same constructor arguments.
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "io/safetensors.h"
#include "io/state_dict.h"
#include "train/checkpoint_net.h"

namespace longconv::cli {
namespace {

struct ExportArgs {
  std::string checkpoint;
  std::string out;
};

void run_export(const ExportArgs& args) {
  const train::CheckpointNet c = train::load_checkpoint_net(args.checkpoint);
  const io::StateDict state = io::state_dict(*c.net.module);
  // "format": "pt" as safetensors.torch.save_file writes it; the config says how to build the model.
  io::write_safetensors(args.out, state, {{"format", "pt"}, {"longconv_config", c.info.config_yaml}});
  fmt::print("{} tensors of {} (epoch {}) -> {}\n", state.size(), c.config.get_string("net.type"), c.info.epoch,
             args.out);
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd =
      app.add_subcommand("export", "write a checkpoint's weights as a safetensors state_dict for the official code");
  cmd->add_option("checkpoint", args->checkpoint, "checkpoint written by `longconv train` (e.g. RUN_DIR/best.ckpt)")
      ->required();
  cmd->add_option("--out", args->out, "safetensors file to write")->required();
  cmd->callback([args] { run_export(*args); });
}

}  // namespace longconv::cli
