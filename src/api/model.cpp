#include "longconv/model.h"

#include <filesystem>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include "config/config.h"
#include "models/registry.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/run_config.h"

namespace longconv {

struct Model::State {
  Config config;
  models::Net net;
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat32;
};

Model::Model(std::shared_ptr<const State> state) : state_(std::move(state)) {}

torch::Tensor Model::predict(const torch::Tensor& x, const torch::Tensor& lengths) const {
  TORCH_CHECK(x.defined(), "predict: x is undefined");
  TORCH_CHECK(x.scalar_type() != torch::kBool, "predict: x must be floats or int64 tokens, got bool");
  torch::NoGradGuard no_grad;
  const torch::Tensor input =
      x.is_floating_point() ? x.to(state_->device, state_->dtype) : x.to(state_->device, torch::kInt64);
  return state_->net.forward(input, lengths.defined() ? lengths.to(state_->device, torch::kInt64) : lengths);
}

torch::Tensor Model::predict_proba(const torch::Tensor& x, const torch::Tensor& lengths) const {
  return torch::softmax(predict(x, lengths), 1);
}

std::string Model::net_type() const { return state_->config.get_string("net.type"); }

std::string Model::config_value(const std::string& key) const {
  if (!state_->config.has(key))
    throw std::invalid_argument(fmt::format("{}: no key '{}'", state_->config.origin(), key));
  YAML::Node node = state_->config.tree();
  std::string::size_type begin = 0;
  while (true) {
    const auto end = key.find('.', begin);
    const YAML::Node child = node[key.substr(begin, end == std::string::npos ? end : end - begin)];
    node.reset(child);
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return YAML::Dump(node);
}

std::string Model::config_yaml() const { return state_->config.to_yaml(); }

std::shared_ptr<torch::nn::Module> Model::module() const { return state_->net.module; }

torch::Device Model::device() const { return state_->device; }

torch::Dtype Model::dtype() const { return state_->dtype; }

Model load_run(const std::string& run_dir, const LoadOptions& options) {
  const std::filesystem::path dir(run_dir);
  return load_run((dir / "config.yaml").string(), (dir / options.checkpoint()).string(), options);
}

Model load_run(const std::string& config, const std::string& checkpoint, const LoadOptions& options) {
  TORCH_CHECK(options.dtype() == torch::kFloat32 || options.dtype() == torch::kFloat64,
              "load_run: dtype must be float32 or float64, got ", options.dtype());
  if (!std::filesystem::is_regular_file(config)) throw std::runtime_error(config + ": no such run config");
  auto state = std::make_shared<Model::State>();
  state->config = train::load_run_config(config, {});
  {
    // build_net seeds the default generator for the initial weights, which the checkpoint replaces: keep the
    // application's random stream as it was.
    auto generator = at::detail::getDefaultCPUGenerator();
    const torch::Tensor saved = generator.get_state();
    state->net = train::build_net(state->config);
    generator.set_state(saved);
  }
  train::load_checkpoint(checkpoint, *state->net.module);
  state->net.module->to(options.device(), options.dtype());
  state->net.module->eval();
  state->device = options.device();
  state->dtype = options.dtype();
  return Model(std::move(state));
}

}  // namespace longconv
