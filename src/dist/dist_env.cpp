#include "dist/dist_env.h"

#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

namespace longconv::dist {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

int64_t env_int(const char* name, const std::string& value, int64_t lo, int64_t hi) {
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || n < lo || n > hi)
    throw std::runtime_error(
        fmt::format("environment variable {}={}: expected an integer in [{}, {}]", name, value, lo, hi));
  return n;
}

}  // namespace

std::optional<DistEnv> dist_env_from_environment() {
  const bool torchrun = env("RANK").has_value() || env("WORLD_SIZE").has_value();
  const bool slurm = !torchrun && env("SLURM_PROCID").has_value() && env("SLURM_NTASKS").has_value();
  if (!torchrun && !slurm) return std::nullopt;
  const char* rank_var = torchrun ? "RANK" : "SLURM_PROCID";
  const char* size_var = torchrun ? "WORLD_SIZE" : "SLURM_NTASKS";
  const char* local_var = torchrun ? "LOCAL_RANK" : "SLURM_LOCALID";
  const auto rank = env(rank_var);
  const auto size = env(size_var);
  if (!rank || !size)
    throw std::runtime_error(
        fmt::format("{} is set but {} is not", rank ? rank_var : size_var, rank ? size_var : rank_var));
  DistEnv e;
  e.world_size = static_cast<int>(env_int(size_var, *size, 1, 1 << 20));
  e.rank = static_cast<int>(env_int(rank_var, *rank, 0, e.world_size - 1));
  if (const auto local = env(local_var)) e.local_rank = static_cast<int>(env_int(local_var, *local, 0, 1 << 20));
  if (const auto addr = env("MASTER_ADDR")) e.master_addr = *addr;
  if (const auto port = env("MASTER_PORT"))
    e.master_port = static_cast<uint16_t>(env_int("MASTER_PORT", *port, 1, 65535));
  return e;
}

}  // namespace longconv::dist
