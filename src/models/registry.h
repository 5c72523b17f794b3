// Module types by the config's `net.type`. Each family registers its types (models/multires/multires_types.h,
// models/ccnn/ccnn_types.h): a type declares every config key it reads (bound once, config/binding.h), fills the
// data-dependent ones from the dataset, builds the module, and names its parameter groups.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "config/config.h"
#include "data/dataset.h"

namespace longconv::models {

// A built module: its parameters/buffers carry the reference state_dict names; `forward` runs it on x with optional
// lengths (an undefined tensor when absent).
struct Net {
  std::shared_ptr<torch::nn::Module> module;
  std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& lengths)> forward;
  // Point-cloud nets take the batch's neighbour data instead (x [B, N, C], rel_pos [B, N, N, 3], sorted_indices
  // [B, N, K]); `forward` is then empty.
  std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& rel_pos,
                              const torch::Tensor& sorted_indices)>
      point_forward = {};
  // Optional weight penalty, before weighting, that `optimizer.weight_decay_type: ln_loss` adds to the training loss
  // times optimizer.weight_decay (CCNN: the reference's LnLoss). Called right after the training forward, so it may
  // use what that forward sampled (the conv kernels).
  std::function<torch::Tensor()> regularizer = {};
  // Parameters (state_dict names) of the named groups the type declares (NetType::param_groups); each gets its own
  // learning rate. The remaining parameters form the first optimizer group.
  std::map<std::string, std::vector<std::string>> param_groups = {};
  // Optional: learned quantities by tag ("mask_widths") that `train.tensorboard` draws as histograms every epoch.
  std::function<std::map<std::string, std::vector<double>>()> histograms = {};
  // Optional: turns activation checkpointing of the net's blocks on or off (train.checkpoint_activations).
  std::function<void(bool)> checkpoint_activations = {};
};

// Applies train.checkpoint_activations to `net`; true fails for a net type without checkpointed blocks.
void set_checkpoint_activations(Net& net, bool on, const std::string& net_type);

// Runs `net` on a batch: point_forward when the net has one, else forward.
torch::Tensor forward_batch(const Net& net, const data::Batch& batch);

// What `longconv info` reports beyond the parameter count.
struct NetFacts {
  std::vector<std::string> lines;                      // "depth per layer: ...", "receptive field: ..."
  std::optional<double> activation_bytes_per_example;  // float32 activations kept for backward, if estimated
};

// A named parameter group with its own learning rate: lr times the value of `lr_ratio_key` (a float key the run
// config declares for the type, default 1).
struct ParamGroupType {
  std::string name;          // "mask"
  std::string lr_ratio_key;  // "optimizer.mask_lr_ratio"
  std::string help;
};

struct NetType {
  std::string name;
  std::string help;
  // Every key the type reads, with full paths ("net.d_model", "kernel.type"); net.type itself is declared by the run
  // config.
  std::function<void(Schema&)> schema;
  std::vector<ParamGroupType> param_groups = {};
  // Fills data-dependent keys (d_input, d_output, n_tokens, max_length, ...) from the dataset; may be empty.
  std::function<void(Config&, const data::DatasetInfo&)> fill_from_data;
  std::function<Net(const Config&)> build;
  // Facts for `longconv info` about a net this type built: depth per layer, receptive field, activation memory per
  // example. May be empty.
  std::function<NetFacts(const Net&)> describe;
};

// ConfigError naming the unknown type and listing the known ones.
const NetType& net_type(const std::string& name);
std::vector<std::string> net_type_names();

}  // namespace longconv::models
