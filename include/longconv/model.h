// A trained longconv run loaded for inference: the module its config names, with the checkpoint's weights, in eval
// mode. This header and the others under longconv/ are the installed public API; they include only LibTorch and the
// standard library.
#pragma once

#include <memory>
#include <string>

#include <torch/torch.h>

namespace longconv {

struct LoadOptions {
  // The checkpoint file inside a run directory (load_run(run_dir)): best.ckpt or last.ckpt.
  TORCH_ARG(std::string, checkpoint) = "best.ckpt";
  // Where and in which precision the module runs. The steppers run on the CPU only.
  TORCH_ARG(torch::Device, device) = torch::kCPU;
  TORCH_ARG(torch::Dtype, dtype) = torch::kFloat32;
};

class Model {
 public:
  // Batch inference without gradients: x as the net takes it (floats [B, C, L] for sequence models, [B, C, H, W] or
  // [B, C, D, H, W] for CCNN's 2D/3D nets, int64 tokens [B, L] for token inputs); lengths [B] for padded token
  // sequences, or undefined. x is moved to the model's device, floats to its dtype. Returns what `longconv forward`
  // writes as `y`: class logits [B, classes] (MultiresNet, CCNN), per-step logits, or MultiresAR's mixture parameters
  // [B, P, L].
  torch::Tensor predict(const torch::Tensor& x, const torch::Tensor& lengths = {}) const;
  // softmax(predict(x), dim 1): class probabilities of a single-label classifier.
  torch::Tensor predict_proba(const torch::Tensor& x, const torch::Tensor& lengths = {}) const;

  std::string net_type() const;  // the config's net.type: "MultiresNet", "MultiresAR", "CCNN", ...
  // A value of the run's resolved config as YAML ("sequence" for dataset.layout, "10" for net.d_output);
  // std::invalid_argument naming the key when the config has no such key.
  std::string config_value(const std::string& key) const;
  std::string config_yaml() const;  // the whole resolved config
  // The module in eval mode, its parameters under the official code's state_dict names. Copies of a Model share it.
  std::shared_ptr<torch::nn::Module> module() const;
  torch::Device device() const;
  torch::Dtype dtype() const;

  struct State;  // the config and the built net; load_run makes it
  explicit Model(std::shared_ptr<const State> state);

 private:
  std::shared_ptr<const State> state_;
};

// A run directory written by `longconv train`: its config.yaml and options.checkpoint (best.ckpt by default).
Model load_run(const std::string& run_dir, const LoadOptions& options = {});
// A run config (the run's config.yaml, or any config whose data-dependent net keys are filled in) and a checkpoint
// written by `longconv train`. Errors name the file: a missing or bad config, a checkpoint of another net.
Model load_run(const std::string& config, const std::string& checkpoint, const LoadOptions& options = {});

}  // namespace longconv
