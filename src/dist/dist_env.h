// Where this process sits in a distributed run, read from torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT) or, when RANK is unset, SLURM's (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID), so a
// cluster's existing launch scripts start longconv as they start a PyTorch job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace longconv::dist {

struct DistEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  uint16_t master_port = 29500;
};

// nullopt when neither RANK/WORLD_SIZE nor SLURM_PROCID/SLURM_NTASKS is set (a plain single-process run). A value
// that is not a number or out of range (rank >= world size, port > 65535) is a std::runtime_error naming the
// variable and the value.
std::optional<DistEnv> dist_env_from_environment();

}  // namespace longconv::dist
