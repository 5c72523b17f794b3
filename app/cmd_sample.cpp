// longconv sample CONFIG --checkpoint C [--n 64] [--out samples.png] [--seed S] [--method streaming|full]: draws
// images pixel by pixel from a trained MultiresAR and writes them as one PNG grid (8 per row, as
// autoregressive_eval.py saves them).
#include <ATen/CPUGeneratorImpl.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "io/image_grid.h"
#include "io/png_writer.h"
#include "models/multires/ar_sampler.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/run_config.h"

namespace longconv::cli {
namespace {

struct SampleArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string checkpoint;
  int64_t n = 64;
  std::string out = "samples.png";
  std::optional<int64_t> seed;
  std::string method = "streaming";
};

// [H, W] of the dataset's images: its 2-d spatial shape, or the square a flattened sequence came from.
std::pair<int64_t, int64_t> image_shape(const data::DatasetInfo& info) {
  if (info.spatial_shape.size() == 2) return {info.spatial_shape[0], info.spatial_shape[1]};
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(info.max_length))));
  if (side * side != info.max_length)
    throw std::runtime_error(fmt::format("sample: sequences of {} positions are not square images", info.max_length));
  return {side, side};
}

// Sampling takes minutes: an --out that cannot be written is refused before it starts.
void require_writable(const std::string& out) {
  const std::filesystem::path path(out);
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw std::runtime_error(fmt::format("sample: --out {} is a directory; name the PNG file to write", out));
  if (!std::filesystem::is_directory(dir, ec))
    throw std::runtime_error(fmt::format("sample: --out {}: no directory {}", out, dir.string()));
  if (::access(dir.c_str(), W_OK) != 0)
    throw std::runtime_error(fmt::format("sample: --out {}: directory {} is not writable", out, dir.string()));
}

void run_sample(const SampleArgs& args) {
  if (args.n < 1) throw std::runtime_error(fmt::format("sample: --n must be >= 1, got {}", args.n));
  require_writable(args.out);
  Config config = load_command_config(args.config, args.overrides);
  train::Experiment e = train::build_experiment(std::move(config));
  auto impl = std::dynamic_pointer_cast<models::MultiresARImpl>(e.net.module);
  if (!impl)
    throw std::runtime_error(
        fmt::format("sample: net.type must be MultiresAR, got {}", e.config.get_string("net.type")));
  models::MultiresAR net(impl);
  train::load_checkpoint(args.checkpoint, *net);
  net->eval();

  const auto [height, width] = image_shape(e.splits.info);
  models::SampleOptions o;
  o.n = args.n;
  o.length = height * width;
  TORCH_CHECK(o.length == e.splits.info.max_length, "sample: images of ", height, "x", width, " for sequences of ",
              e.splits.info.max_length);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(args.seed.value_or(train::run_seed(e.config)));
  const auto start = std::chrono::steady_clock::now();
  const torch::Tensor x = args.method == "full" ? models::sample_full_recompute(net, o, generator)
                                                : models::sample_streaming(net, o, generator);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto images = io::pixels_to_uint8(x.reshape({o.n, x.size(1), height, width}));
  io::write_png(args.out, io::image_grid(images, 8));
  fmt::print("{} images of {}x{}x{} sampled ({}) in {:.2f} s -> {}\n", o.n, x.size(1), height, width, args.method,
             seconds, args.out);
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto args = std::make_shared<SampleArgs>();
  CLI::App* cmd = app.add_subcommand("sample", "draw images from a trained MultiresAR into a PNG grid");
  add_config_arguments(*cmd, args->config, args->overrides);
  cmd->add_option("--checkpoint", args->checkpoint, "checkpoint written by `longconv train`")->required();
  cmd->add_option("--n", args->n, "number of images");
  cmd->add_option("--out", args->out, "PNG file to write");
  cmd->add_option("--seed", args->seed, "seed of the sampling noise (default: the config's seed)");
  cmd->add_option("--method", args->method,
                  "streaming (O(1) per pixel) or full (one full forward per pixel, the reference's algorithm)")
      ->check(CLI::IsMember({"streaming", "full"}));
  cmd->callback([args] { run_sample(*args); });
}

}  // namespace longconv::cli
