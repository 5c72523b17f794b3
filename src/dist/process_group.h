// A data-parallel run's communicator: LibTorch's c10d TCPStore for the rendezvous and small messages, and its
// ProcessGroupGloo (CPU tensors) or ProcessGroupNCCL (CUDA builds) for the collectives. A heartbeat thread bumps a
// store counter per rank every second, so a collective that fails because a peer died is reported as "rank k was
// lost" rather than as Gloo's socket error.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

#include "dist/dist_env.h"
#include "util/enum_names.h"

namespace longconv::dist {

enum class BackendKind { Auto, Gloo, Nccl };
extern const EnumNames<BackendKind> kBackendNames;  // "auto", "gloo", "nccl"

struct DistOptions {
  // auto: NCCL for CUDA devices (where LibTorch was built with it), Gloo otherwise.
  BackendKind backend = BackendKind::Auto;
  // Seconds a rendezvous or a collective may wait for the other ranks before failing.
  double timeout = 300;
  // Gradient bucket size in MB: a bucket's all-reduce starts as soon as its gradients are all ready.
  double bucket_mb = 25;
};
void validate(const DistOptions& options);

class ProcessGroup {
 public:
  // Rendezvous at env.master_addr:master_port (rank 0 hosts the store) and connects the collectives; every failure
  // (port in use, master unreachable, ranks missing after options.timeout) is a std::runtime_error saying which.
  ProcessGroup(const DistEnv& env, const DistOptions& options, const torch::Device& device);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return env_.rank; }
  int size() const { return env_.world_size; }
  const DistEnv& env() const { return env_; }

  // In-place sums over the ranks. The async form's Work is finished with wait().
  c10::intrusive_ptr<c10d::Work> allreduce_async(torch::Tensor& tensor);
  void allreduce(torch::Tensor& tensor);
  void wait(const c10::intrusive_ptr<c10d::Work>& work);
  // Every tensor in place from `root`.
  void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
  // Each rank's `tensor` (same shape on every rank), in rank order.
  std::vector<torch::Tensor> allgather(const torch::Tensor& tensor);
  // Every rank's `tensor` concatenated along dim 0 in rank order; the ranks' first dimensions may differ.
  torch::Tensor allgather_rows(const torch::Tensor& tensor);
  // Each rank's bytes, in rank order, through the store under `key`.
  std::vector<std::string> allgather_bytes(const std::string& key, const std::string& bytes);

  // Runs `action` on rank 0 only and shares its outcome: when it throws, every rank throws its message, so a
  // refusal on rank 0 (e.g. a run directory that holds a previous run) ends every rank at once.
  void on_rank0(const std::string& key, const std::function<void()>& action);

  // Waits for every rank. Called at the end of a successful command, so rank 0 (which hosts the store) stays until
  // every rank is done with it.
  void barrier();

  c10d::Store& store() { return *store_; }

 private:
  struct Impl;
  // Rethrows a collective's failure as the lost ranks' names when some rank's heartbeat stopped.
  [[noreturn]] void fail(const std::string& what, std::exception_ptr error);
  std::vector<int> lost_ranks();

  DistEnv env_;
  DistOptions options_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::unique_ptr<Impl> impl_;
};

// The process group of this process from the environment (dist_env.h); null for a plain single-process run.
std::unique_ptr<ProcessGroup> process_group_from_environment(const DistOptions& options, const torch::Device& device);

}  // namespace longconv::dist
