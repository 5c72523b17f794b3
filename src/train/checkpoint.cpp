#include "train/checkpoint.h"

#include <mutex>
#include <sstream>
#include <stdexcept>

#include <ATen/Context.h>

#include "io/atomic_file.h"
#include "io/state_dict.h"
#include "io/zip_records.h"

namespace longconv::train {
namespace {

constexpr const char* kFormat = "longconv-checkpoint-1";

torch::Device module_device(const torch::nn::Module& model) {
  for (const auto& p : model.parameters()) return p.device();
  for (const auto& b : model.buffers()) return b.device();
  return torch::kCPU;
}

c10::IValue read_value(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  TORCH_CHECK(archive.try_read(key, value), "missing entry '", key, "'");
  return value;
}

int64_t read_int(torch::serialize::InputArchive& archive, const std::string& key) {
  auto value = read_value(archive, key);
  TORCH_CHECK(value.isInt(), "entry '", key, "' is not an integer");
  return value.toInt();
}

double read_double(torch::serialize::InputArchive& archive, const std::string& key) {
  auto value = read_value(archive, key);
  TORCH_CHECK(value.isDouble(), "entry '", key, "' is not a float");
  return value.toDouble();
}

std::string read_string(torch::serialize::InputArchive& archive, const std::string& key) {
  auto value = read_value(archive, key);
  TORCH_CHECK(value.isString(), "entry '", key, "' is not a string");
  return value.toStringRef();
}

std::string message(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

// Loads `path` into `archive` (tensors on `device`) once every record's CRC-32 checks out, reads the model's tensors
// into `state` and returns the scalar entries.
CheckpointInfo open_checkpoint(const std::string& path, torch::Device device, torch::serialize::InputArchive& archive,
                               io::StateDict& state) {
  const std::string bytes = io::read_file(path);
  io::verify_zip_crc32(bytes, path);
  CheckpointInfo info;
  try {
    std::istringstream in(bytes);
    archive.load_from(in, device);
    TORCH_CHECK(read_string(archive, "format") == kFormat, "unknown checkpoint format '",
                read_string(archive, "format"), "'");
    torch::serialize::InputArchive model_archive;
    TORCH_CHECK(archive.try_read("model", model_archive), "missing entry 'model'");
    for (const auto& name : model_archive.keys()) {
      torch::Tensor tensor;
      TORCH_CHECK(model_archive.try_read(name, tensor), "model entry '", name, "' is not a tensor");
      state[name] = tensor;
    }
    info.epoch = read_int(archive, "epoch");
    info.best_epoch = read_int(archive, "best_epoch");
    info.best_val_metric = read_double(archive, "best_val_metric");
    info.best_test_metric = read_double(archive, "best_test_metric");
    info.config_yaml = read_string(archive, "config");
    info.metrics_json = read_string(archive, "metrics");
    if (c10::IValue batch; archive.try_read("batch", batch)) {
      TORCH_CHECK(batch.isInt() && batch.toInt() > 0, "entry 'batch' is not a positive integer");
      info.batch = batch.toInt();
      torch::serialize::InputArchive epoch_archive;
      TORCH_CHECK(archive.try_read("epoch_state", epoch_archive), "missing entry 'epoch_state'");
      for (size_t i = 0;; ++i) {
        torch::Tensor tensor;
        if (!epoch_archive.try_read(std::to_string(i), tensor)) break;
        info.epoch_state.push_back(tensor.to(torch::kCPU));
      }
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": not a valid checkpoint (truncated or corrupt?): " + message(e));
  }
  return info;
}

}  // namespace

torch::Tensor rng_state(torch::Device device) {
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_rng_state(torch::Device device, const torch::Tensor& state) {
  auto gen = at::globalContext().defaultGenerator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state.to(torch::kCPU));
}

std::string encode_checkpoint(const torch::nn::Module& model, const torch::optim::Optimizer& optimizer,
                              const LrSchedule& schedule, const CheckpointInfo& info) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kFormat)));

  torch::serialize::OutputArchive model_archive;
  for (const auto& [name, tensor] : io::state_dict(model)) model_archive.write(name, tensor.detach());
  archive.write("model", model_archive);

  torch::serialize::OutputArchive optimizer_archive;
  optimizer.save(optimizer_archive);
  archive.write("optimizer", optimizer_archive);

  torch::serialize::OutputArchive scheduler_archive;
  schedule.save(scheduler_archive);
  archive.write("scheduler", scheduler_archive);

  archive.write("epoch", c10::IValue(info.epoch));
  archive.write("best_epoch", c10::IValue(info.best_epoch));
  archive.write("best_val_metric", c10::IValue(info.best_val_metric));
  archive.write("best_test_metric", c10::IValue(info.best_test_metric));
  archive.write("config", c10::IValue(info.config_yaml));
  archive.write("metrics", c10::IValue(info.metrics_json));
  if (info.batch > 0) {
    archive.write("batch", c10::IValue(info.batch));
    torch::serialize::OutputArchive epoch_archive;
    for (size_t i = 0; i < info.epoch_state.size(); ++i) epoch_archive.write(std::to_string(i), info.epoch_state[i]);
    archive.write("epoch_state", epoch_archive);
  }

  archive.write("rng_cpu", rng_state(torch::kCPU));
  const auto device = module_device(model);
  if (device.is_cuda()) archive.write("rng_cuda", rng_state(device));

  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

CheckpointInfo verify_checkpoint(const std::string& path) {
  torch::serialize::InputArchive archive;
  io::StateDict state;
  const CheckpointInfo info = open_checkpoint(path, torch::kCPU, archive, state);
  torch::serialize::InputArchive part;
  torch::Tensor rng;
  for (const char* key : {"optimizer", "scheduler"})
    if (!archive.try_read(key, part))
      throw std::runtime_error(path + ": not a valid checkpoint: missing entry '" + key + "'");
  if (!archive.try_read("rng_cpu", rng))
    throw std::runtime_error(path + ": not a valid checkpoint: missing entry 'rng_cpu'");
  return info;
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
  torch::serialize::InputArchive archive;
  io::StateDict state;
  return open_checkpoint(path, torch::kCPU, archive, state);
}

CheckpointInfo load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                               LrSchedule* schedule, bool restore_rng) {
  const auto device = module_device(model);
  torch::serialize::InputArchive archive;
  io::StateDict state;
  const CheckpointInfo info = open_checkpoint(path, device, archive, state);

  io::load_state_dict(model, state, path);

  try {
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      TORCH_CHECK(archive.try_read("optimizer", optimizer_archive), "missing entry 'optimizer'");
      optimizer->load(optimizer_archive);
    }
    if (schedule) {
      torch::serialize::InputArchive scheduler_archive;
      TORCH_CHECK(archive.try_read("scheduler", scheduler_archive), "missing entry 'scheduler'");
      schedule->load(scheduler_archive);
    }
    if (restore_rng) {
      torch::Tensor cpu_state;
      TORCH_CHECK(archive.try_read("rng_cpu", cpu_state), "missing entry 'rng_cpu'");
      set_rng_state(torch::kCPU, cpu_state);
      torch::Tensor cuda_state;
      if (device.is_cuda() && archive.try_read("rng_cuda", cuda_state)) set_rng_state(device, cuda_state);
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": cannot restore the training state: " + message(e));
  }
  return info;
}

}  // namespace longconv::train
