#include "train/run_config.h"

#include <fmt/format.h>

#include "data/registry.h"
#include "models/registry.h"

namespace longconv::train {
namespace {

// A required string key of the raw tree ("net", "type"); nullopt when absent or null.
std::optional<std::string> raw_string(const YAML::Node& raw, const std::string& section, const std::string& key) {
  if (!raw.IsMap() || !raw[section] || !raw[section].IsMap()) return std::nullopt;
  const YAML::Node node = raw[section][key];
  if (!node || node.IsNull()) return std::nullopt;
  if (!node.IsScalar()) throw ConfigError(fmt::format("key '{}.{}': expected a string", section, key));
  return node.as<std::string>();
}

void add_train_keys(Schema& s) {
  s.add_int("train.epochs", 100, "training epochs")
      .add_int("train.batch_size", 64, "training batch size")
      .add_int("train.eval_batch_size", std::nullopt, "validation/test batch size (null: train.batch_size)")
      .add_float("train.grad_clip", 0.0, "clip the gradient norm to this value (0: off)")
      .add_string("train.out_dir", "runs/default", "directory for config.yaml, metrics.jsonl and checkpoints")
      .add_int("train.log_every", 50, "batches between progress lines when stderr is not a terminal")
      .add_int("train.prefetch", 4, "batches the loader prepares ahead")
      .add_int("train.workers", 1, "loader threads")
      .add_int("train.max_train_batches", std::nullopt, "cap on training batches per epoch (smoke tests)")
      .add_int("train.max_eval_batches", std::nullopt, "cap on validation/test batches (smoke tests)");
  s.add_string("optimizer.name", "AdamW", "optimizer", {"AdamW", "Adam"})
      .add_float("optimizer.lr", 0.01, "peak learning rate")
      .add_float("optimizer.weight_decay", 0.01, "weight decay (decoupled for AdamW, L2 for Adam)")
      .add_string("optimizer.weight_decay_type", "optimizer",
                  "optimizer: the optimizer applies weight_decay; ln_loss: weight_decay times the net's regularizer "
                  "(CCNN: sum of L2 norms of weights and sampled kernels) is added to the loss (reference CCNN)",
                  {"optimizer", "ln_loss"})
      .add_float("optimizer.mask_lr_ratio", 1.0, "the mask parameters' learning rate is lr times this (CCNN)")
      .add_float("optimizer.beta1", 0.9, "Adam beta1")
      .add_float("optimizer.beta2", 0.999, "Adam beta2")
      .add_float("optimizer.eps", 1e-8, "Adam epsilon");
  s.add_string("scheduler.name", "cosine", "learning-rate schedule, stepped every batch", {"cosine", "constant"})
      .add_float("scheduler.warmup_epochs", 0.0, "linear warmup from 0 over this many epochs");
}

ConfigError out_of_range(const Config& config, const std::string& key, const std::string& value,
                         const std::string& expected) {
  return ConfigError(fmt::format("{}: key '{}': expected {}, got {}", config.origin(), key, expected, value));
}

int64_t int_at_least(const Config& config, const std::string& key, int64_t min) {
  const int64_t value = config.get_int(key);
  if (value < min) throw out_of_range(config, key, std::to_string(value), fmt::format(">= {}", min));
  return value;
}

std::optional<int64_t> opt_int_at_least(const Config& config, const std::string& key, int64_t min) {
  if (config.is_null(key)) return std::nullopt;
  return int_at_least(config, key, min);
}

double float_at_least(const Config& config, const std::string& key, double min, bool strict = false) {
  const double value = config.get_float(key);
  if (value < min || (strict && value == min) || !std::isfinite(value))
    throw out_of_range(config, key, fmt::format("{}", value), fmt::format("{} {}", strict ? ">" : ">=", min));
  return value;
}

}  // namespace

Schema run_schema(const YAML::Node& raw) {
  Schema s;
  s.add_int("seed", 1, "seed for initialization, dropout and shuffling")
      .add_int("threads", 0, "intra-op threads (0: all cores)")
      .add_string("device", "cpu", "where to run", {"cpu", "cuda"});

  const auto net_name = raw_string(raw, "net", "type");
  if (!net_name)
    throw ConfigError(fmt::format("missing key 'net.type' (known: {})", fmt::join(models::net_type_names(), ", ")));
  const models::NetType& net = models::net_type(*net_name);
  Schema net_keys;
  net_keys.add_string("type", net.name, "module type", models::net_type_names());
  if (net.schema) net.schema(net_keys);
  s.merge("net", net_keys);
  if (net.top_level_schema) net.top_level_schema(s);

  Schema dataset_keys;
  data::add_common_dataset_keys(dataset_keys);
  if (const auto dataset_name = raw_string(raw, "dataset", "name")) {
    const data::DatasetType& dataset = data::dataset_type(*dataset_name);
    if (dataset.schema) dataset.schema(dataset_keys);
  }
  s.merge("dataset", dataset_keys);

  add_train_keys(s);
  return s;
}

Config load_run_config(const std::string& path, const std::vector<std::string>& overrides) {
  // run_schema sees only the tree; name the file in its errors.
  return Config::load(path, overrides, [&path](const YAML::Node& raw) {
    try {
      return run_schema(raw);
    } catch (const ConfigError& e) {
      throw ConfigError(path + ": " + e.what());
    }
  });
}

torch::Device run_device(const Config& config) {
  const std::string device = config.get_string("device");
  if (device == "cpu") return torch::kCPU;
  if (!torch::cuda::is_available())
    throw ConfigError(
        fmt::format("{}: key 'device': cuda requested but this LibTorch build sees no CUDA device", config.origin()));
  return torch::Device(torch::kCUDA, 0);
}

TrainerOptions trainer_options(const Config& c) {
  TrainerOptions o;
  o.epochs = int_at_least(c, "train.epochs", 1);
  o.batch_size = int_at_least(c, "train.batch_size", 1);
  o.eval_batch_size = opt_int_at_least(c, "train.eval_batch_size", 1).value_or(o.batch_size);
  o.grad_clip = float_at_least(c, "train.grad_clip", 0.0);
  o.out_dir = c.get_string("train.out_dir");
  if (o.out_dir.empty()) throw out_of_range(c, "train.out_dir", "''", "a directory");
  o.log_every = int_at_least(c, "train.log_every", 1);
  o.prefetch = int_at_least(c, "train.prefetch", 1);
  o.workers = int_at_least(c, "train.workers", 1);
  o.max_train_batches = opt_int_at_least(c, "train.max_train_batches", 1);
  o.max_eval_batches = opt_int_at_least(c, "train.max_eval_batches", 1);
  o.optimizer = c.get_string("optimizer.name");
  o.lr = float_at_least(c, "optimizer.lr", 0.0, /*strict=*/true);
  o.weight_decay = float_at_least(c, "optimizer.weight_decay", 0.0);
  o.weight_decay_type = c.get_string("optimizer.weight_decay_type");
  o.group_lr_ratios["mask"] = float_at_least(c, "optimizer.mask_lr_ratio", 0.0);
  o.beta1 = float_at_least(c, "optimizer.beta1", 0.0);
  o.beta2 = float_at_least(c, "optimizer.beta2", 0.0);
  if (o.beta1 >= 1) throw out_of_range(c, "optimizer.beta1", fmt::format("{}", o.beta1), "< 1");
  if (o.beta2 >= 1) throw out_of_range(c, "optimizer.beta2", fmt::format("{}", o.beta2), "< 1");
  o.eps = float_at_least(c, "optimizer.eps", 0.0, /*strict=*/true);
  o.schedule = c.get_string("scheduler.name");
  o.warmup_epochs = float_at_least(c, "scheduler.warmup_epochs", 0.0);
  o.seed = static_cast<uint64_t>(c.get_int("seed"));
  o.device = run_device(c);
  return o;
}

}  // namespace longconv::train
