// longconv forward CONFIG --weights W --input IN --output OUT: runs the module net.type names on IN's `x` (and
// optional `lengths`), writing `y` (and in train mode the module's buffers as `buffer.<name>`) to OUT.
#include <memory>

#include <fmt/format.h>

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
};

void run_forward(const ForwardArgs& args) {
  const Config config = load_command_config(args.config, args.overrides);
  const torch::Device device = train::run_device(config);
  const auto dtype = args.dtype == "float64" ? torch::kFloat64 : torch::kFloat32;
  models::Net net = train::build_net(config);
  // Convert before loading, so float64 weights keep their precision in a float64 run.
  net.module->to(device, dtype);
  io::load_state_dict(*net.module, io::read_safetensors(args.weights).tensors, args.weights);

  const io::Safetensors in = io::read_safetensors(args.input);
  const auto x_it = in.tensors.find("x");
  if (x_it == in.tensors.end()) throw std::runtime_error(args.input + ": missing tensor 'x'");
  torch::Tensor x = x_it->second;
  if (x.is_floating_point())
    x = x.to(device, dtype);
  else if (x.scalar_type() != torch::kBool)
    x = x.to(device, torch::kInt64);  // tokens
  else
    throw std::runtime_error(args.input + ": tensor 'x' must be float or integer tokens, got bool");
  torch::Tensor lengths;
  if (const auto it = in.tensors.find("lengths"); it != in.tensors.end()) {
    if (it->second.is_floating_point() || it->second.scalar_type() == torch::kBool)
      throw std::runtime_error(args.input + ": tensor 'lengths' must be integer");
    lengths = it->second.to(device, torch::kInt64);
  }

  const bool train_mode = args.mode == "train";
  net.module->train(train_mode);
  torch::NoGradGuard no_grad;  // BatchNorm still updates its running stats in train mode
  std::map<std::string, torch::Tensor> out{{"y", net.forward(x, lengths)}};
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
  cmd->add_option("--input", args->input, "safetensors with `x` and optional `lengths`")->required();
  cmd->add_option("--output", args->output, "safetensors to write `y` to")->required();
  cmd->add_option("--dtype", args->dtype, "precision of the whole module")
      ->check(CLI::IsMember({"float32", "float64"}));
  cmd->add_option("--mode", args->mode, "eval, or train (BatchNorm uses batch statistics and updates its buffers)")
      ->check(CLI::IsMember({"eval", "train"}));
  cmd->callback([args] { run_forward(*args); });
}

}  // namespace longconv::cli
