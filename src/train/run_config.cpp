#include "train/run_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/binding.h"
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

enum class DeviceKind { Cpu, Cuda };

// The top-level keys.
struct RunOptions {
  uint64_t seed = 1;
  int64_t threads = 0;
  DeviceKind device = DeviceKind::Cpu;
};

Bindings<RunOptions> run_bindings() {
  return Bindings<RunOptions>()
      .bind("seed", &RunOptions::seed, "seed for initialization, dropout and shuffling")
      .bind("threads", &RunOptions::threads, "intra-op threads (0: all cores)", in_closed(0, 1024))
      .bind("device", &RunOptions::device, EnumNames<DeviceKind>{{"cpu", DeviceKind::Cpu}, {"cuda", DeviceKind::Cuda}},
            "where to run");
}

// train.*, optimizer.*, scheduler.* (TrainerOptions' owner, the trainer, checks the values).
Bindings<TrainerOptions> trainer_bindings() {
  using T = TrainerOptions;
  using L = data::LoaderOptions;
  using O = OptimizerOptions;
  using S = ScheduleOptions;
  T defaults;
  defaults.epochs = 100;
  defaults.loader.batch_size = 64;
  return Bindings<T>(defaults)
      .bind("train.epochs", &T::epochs, "training epochs (>= 1)")
      .nest(&T::loader, Bindings<L>()
                            .bind("train.batch_size", &L::batch_size, "training batch size", at_least(1))
                            .bind("train.prefetch", &L::prefetch, "batches the loader prepares ahead", at_least(1))
                            .bind("train.workers", &L::workers, "loader threads", in_closed(1, 256)))
      .bind("train.eval_batch_size", &T::eval_batch_size, "validation/test batch size (null: train.batch_size)")
      .bind("train.grad_clip", &T::grad_clip, "clip the gradient norm to this value (0: off)")
      .bind("train.accumulate_grad_steps", &T::accumulate_grad_steps,
            "batches whose gradients add up before each optimizer step (>= 1): k batches of B weigh as one of k * B")
      .bind("train.sync_batchnorm", &T::sync_batchnorm,
            "multi-process runs: BatchNorm statistics over the global batch (SyncBatchNorm); off: per rank, running "
            "statistics averaged at each epoch's end")
      .bind("train.checkpoint_activations", &T::checkpoint_activations,
            "keep only each residual block's input and recompute the block in the backward pass (MultiresNet, "
            "MultiresAR, CCNN on grids): activation memory of one block plus the inputs, for about one more forward "
            "per step")
      .nest(&T::run, Bindings<RunDirectoryOptions>()
                         .bind("train.out_dir", &RunDirectoryOptions::out_dir,
                               "directory for config.yaml, metrics.jsonl and checkpoints")
                         .bind("train.tensorboard", &RunDirectoryOptions::tensorboard,
                               "also write TensorBoard event files to train.out_dir: per-step loss and lr, the "
                               "per-epoch metrics, histograms of the net's learned widths (CCNN mask widths)"))
      .bind("train.checkpoint_every", &T::checkpoint_every,
            "mid-epoch checkpoints every this many training steps (500) or minutes (30m); 0: off")
      .bind("train.on_nan", &T::on_nan, kOnNanNames,
            "a non-finite training loss: stop (the last checkpoint stays), or skip_batch (counted in metrics.jsonl)")
      .bind("train.log_every", &T::log_every, "batches between progress lines when stderr is not a terminal")
      .bind("train.max_train_batches", &T::max_train_batches, "cap on training batches per epoch (smoke tests)")
      .bind("train.max_eval_batches", &T::max_eval_batches, "cap on validation/test batches (smoke tests)")
      .nest(&T::optimizer,
            Bindings<O>()
                .bind("optimizer.name", &O::name, kOptimizerNames, "optimizer")
                .bind("optimizer.lr", &O::lr, "peak learning rate (> 0)")
                .bind("optimizer.weight_decay", &O::weight_decay, "weight decay (decoupled for AdamW, L2 for Adam)")
                .bind("optimizer.weight_decay_type", &O::weight_decay_type, kWeightDecayTypeNames,
                      "optimizer: the optimizer applies weight_decay; ln_loss: weight_decay times the net's "
                      "regularizer (CCNN: sum of L2 norms of weights and sampled kernels) is added to the loss "
                      "(reference CCNN)")
                .bind("optimizer.beta1", &O::beta1, "Adam beta1, in [0, 1)")
                .bind("optimizer.beta2", &O::beta2, "Adam beta2, in [0, 1)")
                .bind("optimizer.eps", &O::eps, "Adam epsilon (> 0)"))
      .nest(&T::schedule,
            Bindings<S>()
                .bind("scheduler.name", &S::name, kScheduleNames, "learning-rate schedule, stepped every batch")
                .bind("scheduler.warmup_epochs", &S::warmup_epochs, "linear warmup from 0 over this many epochs"))
      .nest(&T::dist,
            Bindings<dist::DistOptions>()
                .bind("dist.backend", &dist::DistOptions::backend, dist::kBackendNames,
                      "collectives of a multi-process run: auto (nccl on CUDA, gloo otherwise), gloo or nccl")
                .bind("dist.timeout", &dist::DistOptions::timeout,
                      "seconds a rendezvous or collective waits for the other ranks before failing (> 0)")
                .bind("dist.bucket_mb", &dist::DistOptions::bucket_mb, "gradient all-reduce bucket size in MB (> 0)"))
      .validate([](const T& o) { validate(o); });
}

}  // namespace

Schema run_schema(const YAML::Node& raw) {
  Schema s;
  run_bindings().declare(s);

  const auto net_name = raw_string(raw, "net", "type");
  if (!net_name)
    throw ConfigError(fmt::format("missing key 'net.type' (known: {})", fmt::join(models::net_type_names(), ", ")));
  const models::NetType& net = models::net_type(*net_name);
  s.add_string("net.type", net.name, "module type", models::net_type_names());
  net.schema(s);
  for (const auto& group : net.param_groups) s.add_float(group.lr_ratio_key, 1.0, group.help);

  Schema dataset_keys;
  data::add_common_dataset_keys(dataset_keys);
  if (const auto dataset_name = raw_string(raw, "dataset", "name")) {
    const data::DatasetType& dataset = data::dataset_type(*dataset_name);
    dataset.schema(dataset_keys);
  }
  s.merge("dataset", dataset_keys);

  trainer_bindings().declare(s);
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
  if (run_bindings().parse(config).device == DeviceKind::Cpu) return torch::kCPU;
  if (!torch::cuda::is_available())
    throw ConfigError(fmt::format("{}: key 'device': cuda requested but this LibTorch build sees no CUDA device",
                                  config.source_of("device")));
  return torch::Device(torch::kCUDA, 0);
}

int run_threads(const Config& config) { return static_cast<int>(run_bindings().parse(config).threads); }

uint64_t run_seed(const Config& config) { return run_bindings().parse(config).seed; }

TrainerOptions trainer_options(const Config& c) {
  TrainerOptions defaults = trainer_bindings().defaults();
  defaults.seed = run_seed(c);
  defaults.device = run_device(c);
  for (const auto& group : models::net_type(c.get_string("net.type")).param_groups) {
    const double ratio = c.get_float(group.lr_ratio_key);
    if (!at_least(0).holds(ratio))
      throw ConfigError(fmt::format("{}: key '{}': expected >= 0, got {}", c.source_of(group.lr_ratio_key),
                                    group.lr_ratio_key, ratio));
    defaults.optimizer.group_lr_ratios[group.name] = ratio;
  }
  return trainer_bindings().parse(c, "", defaults);
}

}  // namespace longconv::train
