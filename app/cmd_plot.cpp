// longconv plot RUN_DIR [--out DIR] [--checkpoint C]: PNG figures of a run's training curves (from metrics.jsonl) and
// of what its net learned (from best.ckpt, else last.ckpt): CCNN kernels and mask widths, MultiresConv filters and
// mixing weights.
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "plot/learned_structure.h"
#include "plot/training_curves.h"
#include "train/checkpoint_net.h"
#include "train/metrics_log.h"

namespace longconv::cli {
namespace {

struct PlotArgs {
  std::string run_dir;
  std::string out;         // default RUN_DIR/plots
  std::string checkpoint;  // default RUN_DIR/best.ckpt, else RUN_DIR/last.ckpt
};

void run_plot(const PlotArgs& args) {
  namespace fs = std::filesystem;
  const fs::path run(args.run_dir);
  if (!fs::is_directory(run)) throw std::runtime_error(args.run_dir + ": not a run directory");
  const std::string out = args.out.empty() ? (run / "plots").string() : args.out;
  const fs::path metrics = run / "metrics.jsonl";
  std::string checkpoint = args.checkpoint;
  if (checkpoint.empty())
    for (const char* name : {"best.ckpt", "last.ckpt"})
      if (fs::exists(run / name)) {
        checkpoint = (run / name).string();
        break;
      }
  if (!fs::exists(metrics) && checkpoint.empty())
    throw std::runtime_error(args.run_dir + ": holds neither metrics.jsonl nor a checkpoint (best.ckpt, last.ckpt)");

  std::vector<std::string> written;
  if (fs::exists(metrics)) {
    const auto records = train::read_metrics_log(metrics.string());
    if (records.empty()) throw std::runtime_error(metrics.string() + ": no records yet (the first epoch writes one)");
    written = plot::plot_training_curves(records, out);
  }
  if (!checkpoint.empty()) {
    const train::CheckpointNet c = train::load_checkpoint_net(checkpoint);
    const auto figures = plot::plot_learned_structure(*c.net.module, out);
    if (figures.empty())
      fmt::print("{}: net.type {} has no CCNN convs or MultiresLayers to plot\n", checkpoint,
                 c.config.get_string("net.type"));
    written.insert(written.end(), figures.begin(), figures.end());
  }
  for (const auto& path : written) fmt::print("{}\n", path);
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto args = std::make_shared<PlotArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plot", "PNG figures of a run: training curves, CCNN kernels and masks, MultiresConv filters and weights");
  cmd->add_option("run_dir", args->run_dir, "the run's train.out_dir (metrics.jsonl, best.ckpt)")->required();
  cmd->add_option("--out", args->out, "directory for the figures (default: RUN_DIR/plots)");
  cmd->add_option("--checkpoint", args->checkpoint,
                  "checkpoint whose net to plot (default: RUN_DIR/best.ckpt, else last.ckpt)");
  cmd->callback([args] { run_plot(*args); });
}

}  // namespace longconv::cli
