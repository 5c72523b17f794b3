#include "train/memory_estimate.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace longconv::train {

TrainingMemory estimate_training_memory(const models::Net& net, const models::NetFacts& facts, int64_t batch_size) {
  TrainingMemory m;
  for (const auto& p : net.module->parameters()) {
    m.parameters += p.numel();
    m.parameter_bytes += static_cast<double>(p.numel()) * static_cast<double>(p.element_size());
  }
  m.state_bytes = 4 * m.parameter_bytes;
  if (facts.activation_bytes_per_example)
    m.activation_bytes = *facts.activation_bytes_per_example * static_cast<double>(batch_size);
  return m;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  for (; bytes >= 1024 && u < 6; ++u) bytes /= 1024;
  return u == 0 ? fmt::format("{:.0f} B", bytes) : fmt::format("{:.2f} {}", bytes, units[u]);
}

std::optional<double> available_memory(torch::Device device) {
  if (!device.is_cpu()) return std::nullopt;
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string key;
    double kib = 0;
    if (fields >> key >> kib && key == "MemAvailable:") return kib * 1024;
  }
  return std::nullopt;
}

void check_training_memory(const TrainingMemory& memory, int64_t batch_size, torch::Device device) {
  const auto available = available_memory(device);
  if (!available || memory.total() <= *available) return;
  throw std::runtime_error(fmt::format(
      "training needs about {} at batch size {} (the estimate of `longconv info`) but {} has {} available; lower "
      "train.batch_size",
      format_bytes(memory.total()), batch_size, device.str(), format_bytes(*available)));
}

}  // namespace longconv::train
