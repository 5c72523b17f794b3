// longconv forward CONFIG --weights W --input IN --output OUT [--grad-output G]: runs the module net.type names on
// IN's `x` (and optional `lengths`; point-cloud modules: `rel_pos` [B, N, N, 3] and int64 `sorted_indices` [B, N, K],
// the reference's data-object fields), writing `y` (and in train mode the module's buffers as `buffer.<name>`) to OUT.
// With G (a tensor `y` shaped like the output) it also runs backward of sum(y * G) and writes `grad.x` (float
// inputs), `grad.rel_pos` (point modules) and `grad.param.<state_dict key>` for every parameter (zeros where the loss
// does not reach it), so gradients compare with the reference's from files.
#include <filesystem>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "io/safetensors.h"
#include "io/state_dict.h"
#include "train/experiment.h"
#include "train/run_config.h"

namespace longconv::cli {
namespace {

struct ForwardArgs {
  std::string config;
  std::vector<std::string> overrides;
  std::string weights, input, output;
  std::string dtype = "float32";
  std::string mode = "eval";
  std::string grad_output;
};

// --output is written last, over whatever is there: it must not be one of the files the command reads.
void require_distinct_output(const ForwardArgs& args) {
  const std::pair<const char*, const std::string*> inputs[] = {{"--weights", &args.weights},
                                                               {"--input", &args.input},
                                                               {"the config", &args.config},
                                                               {"--grad-output", &args.grad_output}};
  for (const auto& [what, path] : inputs) {
    std::error_code ec;  // a file that does not exist yet is no other file
    if (std::filesystem::equivalent(args.output, *path, ec))
      throw std::runtime_error(
          fmt::format("forward: --output {} is {} ({}): it would be overwritten", args.output, what, *path));
  }
}

// `x` with every dimension >= 1, and `lengths` (optional) one per example in [1, L], L = x's last dimension.
void check_input(const std::string& input, const torch::Tensor& x, const torch::Tensor& lengths) {
  if (x.dim() < 1) throw std::runtime_error(input + ": tensor 'x' is a scalar; expected a batch [B, ...]");
  for (int64_t d = 0; d < x.dim(); ++d)
    if (x.size(d) == 0)
      throw std::runtime_error(fmt::format("{}: tensor 'x' of shape [{}] is empty (dimension {} is 0)", input,
                                           fmt::join(x.sizes(), ", "), d));
  if (!lengths.defined()) return;
  const int64_t batch = x.size(0), length = x.size(-1);
  if (lengths.dim() != 1 || lengths.size(0) != batch)
    throw std::runtime_error(
        fmt::format("{}: tensor 'lengths' must have shape [{}] (one per example of x [{}]), got [{}]", input, batch,
                    fmt::join(x.sizes(), ", "), fmt::join(lengths.sizes(), ", ")));
  const int64_t lo = lengths.min().item<int64_t>(), hi = lengths.max().item<int64_t>();
  if (lo < 1 || hi > length)
    throw std::runtime_error(
        fmt::format("{}: tensor 'lengths' must lie in [1, {}] (x's last dimension), got values in [{}, {}]", input,
                    length, lo, hi));
}

// The `y` of a --grad-output file, checked against the output's shape.
torch::Tensor read_grad_output(const std::string& path, const torch::Tensor& y) {
  const io::Safetensors file = io::read_safetensors(path);
  const auto it = file.tensors.find("y");
  if (it == file.tensors.end()) throw std::runtime_error(path + ": missing tensor 'y' (the output's gradient)");
  if (it->second.sizes() != y.sizes() || !it->second.is_floating_point())
    throw std::runtime_error(
        fmt::format("{}: tensor 'y' must be floating point and shaped like the output [{}], got [{}]", path,
                    fmt::join(y.sizes(), ", "), fmt::join(it->second.sizes(), ", ")));
  return it->second.to(y.device(), y.scalar_type());
}

// Tensor `name` of the input file, or an error naming the file.
const torch::Tensor& input_tensor(const io::Safetensors& in, const std::string& path, const std::string& name) {
  const auto it = in.tensors.find(name);
  if (it == in.tensors.end()) throw std::runtime_error(path + ": missing tensor '" + name + "'");
  return it->second;
}

void run_forward(const ForwardArgs& args) {
  require_distinct_output(args);
  const Config config = load_command_config(args.config, args.overrides);
  const torch::Device device = train::run_device(config);
  const auto dtype = args.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  models::Net net = train::build_net(config);
  // Convert before loading, so float64 weights keep their precision in a float64 run.
  net.module->to(device, dtype);
  io::load_state_dict(*net.module, io::read_safetensors(args.weights).tensors, args.weights);

  const io::Safetensors in = io::read_safetensors(args.input);
  torch::Tensor x = input_tensor(in, args.input, "x");
  if (x.scalar_type() == torch::kBool)
    throw std::runtime_error(args.input + ": tensor 'x' must be float or integer tokens, got bool");
  torch::Tensor lengths;
  if (const auto it = in.tensors.find("lengths"); it != in.tensors.end()) {
    if (it->second.is_floating_point() || it->second.scalar_type() == torch::kBool)
      throw std::runtime_error(args.input + ": tensor 'lengths' must be integer");
    lengths = it->second.to(torch::kInt64);
  }
  check_input(args.input, x, lengths);
  x = x.is_floating_point() ? x.to(device, dtype) : x.to(device, torch::kInt64);  // integers are tokens
  if (lengths.defined()) lengths = lengths.to(device);
  const bool points = static_cast<bool>(net.point_forward);
  torch::Tensor rel_pos, sorted_indices;
  if (points) {
    rel_pos = input_tensor(in, args.input, "rel_pos");
    sorted_indices = input_tensor(in, args.input, "sorted_indices");
    if (!rel_pos.is_floating_point()) throw std::runtime_error(args.input + ": tensor 'rel_pos' must be float");
    if (sorted_indices.is_floating_point() || sorted_indices.scalar_type() == torch::kBool)
      throw std::runtime_error(args.input + ": tensor 'sorted_indices' must be integer");
    rel_pos = rel_pos.to(device, dtype);
    sorted_indices = sorted_indices.to(device, torch::kInt64);
  }

  const bool train_mode = args.mode == "train";
  const bool backward = !args.grad_output.empty();
  net.module->train(train_mode);
  if (backward && x.is_floating_point()) x.requires_grad_();
  if (backward && points) rel_pos.requires_grad_();
  // Without --grad-output no graph is needed (BatchNorm still updates its running stats in train mode).
  torch::AutoGradMode grad_mode(backward);
  torch::Tensor y;
  try {
    y = points ? net.point_forward(x, rel_pos, sorted_indices) : net.forward(x, lengths);
  } catch (const c10::Error& e) {
    // The modules check their input first ("a linear encoder expects float x of shape [B, 2, L], got ...").
    throw std::runtime_error(fmt::format("{}: net.type {} on x [{}] {}: {}", args.input, config.get_string("net.type"),
                                         fmt::join(x.sizes(), ", "), c10::toString(x.scalar_type()),
                                         e.what_without_backtrace()));
  }
  std::map<std::string, torch::Tensor> out{{"y", y.detach()}};
  if (backward) {
    (y * read_grad_output(args.grad_output, y)).sum().backward();
    if (x.is_floating_point()) out["grad.x"] = x.grad().defined() ? x.grad() : torch::zeros_like(x);
    if (points) out["grad.rel_pos"] = rel_pos.grad().defined() ? rel_pos.grad() : torch::zeros_like(rel_pos);
    for (const auto& p : net.module->named_parameters())
      out["grad.param." + p.key()] = p.value().grad().defined() ? p.value().grad() : torch::zeros_like(p.value());
  }
  if (train_mode)
    for (const auto& b : net.module->named_buffers()) out["buffer." + b.key()] = b.value();
  io::write_safetensors(args.output, out);
}

}  // namespace

void add_forward_command(CLI::App& app) {
  auto args = std::make_shared<ForwardArgs>();
  CLI::App* cmd = app.add_subcommand("forward", "run the module net.type names on inputs from a safetensors file");
  add_config_arguments(*cmd, args->config, args->overrides);
  cmd->add_option("--weights", args->weights, "state_dict (safetensors), loaded strictly")->required();
  cmd->add_option("--input", args->input,
                  "safetensors with `x` and optional `lengths` (point modules: also `rel_pos`, `sorted_indices`)")
      ->required();
  cmd->add_option("--output", args->output, "safetensors to write `y` to")->required();
  cmd->add_option("--grad-output", args->grad_output,
                  "safetensors with `y` shaped like the output: also write the gradients of sum(y * G) (grad.x, "
                  "grad.rel_pos, grad.param.<key>)");
  cmd->add_option("--dtype", args->dtype, "precision of the whole module")
      ->check(CLI::IsMember({"float32", "float64"}));
  cmd->add_option("--mode", args->mode, "eval, or train (BatchNorm uses batch statistics and updates its buffers)")
      ->check(CLI::IsMember({"eval", "train"}));
  cmd->callback([args] { run_forward(*args); });
}

}  // namespace longconv::cli
