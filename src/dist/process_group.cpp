#include "dist/process_group.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "util/option_check.h"

namespace longconv::dist {

const EnumNames<BackendKind> kBackendNames = {
    {"auto", BackendKind::Auto}, {"gloo", BackendKind::Gloo}, {"nccl", BackendKind::Nccl}};

void validate(const DistOptions& o) {
  check_option(o.timeout, above(0), "DistOptions::timeout");
  check_option(o.bucket_mb, above(0), "DistOptions::bucket_mb");
}

namespace {

// LibTorch 2.x split c10d::ProcessGroup into a dispatching ProcessGroup and the Backends behind it; ProcessGroupGloo
// and ProcessGroupNCCL derive from Backend there and from ProcessGroup in 1.13. Both bases have the collectives.
#if TORCH_VERSION_MAJOR >= 2
using BackendBase = c10d::Backend;
#else
using BackendBase = c10d::ProcessGroup;
#endif

using std::chrono::milliseconds;

milliseconds to_ms(double seconds) { return milliseconds(static_cast<int64_t>(seconds * 1000)); }

std::string heartbeat_key(int rank) { return fmt::format("heartbeat/{}", rank); }

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0; }

std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& master_addr) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    return c10d::ProcessGroupGloo::createDeviceForInterface(ifname);
  // Ranks that meet on a loopback store are on one machine: keep their traffic on loopback too.
  if (is_loopback(master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

}  // namespace

struct ProcessGroup::Impl {
  c10::intrusive_ptr<BackendBase> backend;
  std::string backend_name;
  std::thread heartbeat;
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
};

ProcessGroup::ProcessGroup(const DistEnv& env, const DistOptions& options, const torch::Device& device)
    : env_(env), options_(options), impl_(std::make_unique<Impl>()) {
  validate(options_);
  const std::string where = fmt::format("{}:{}", env_.master_addr, env_.master_port);
  c10d::TCPStoreOptions so;
  so.port = env_.master_port;
  so.isServer = env_.rank == 0;
  so.numWorkers = static_cast<size_t>(env_.world_size);
  so.waitWorkers = true;
  so.timeout = to_ms(options_.timeout);
  try {
    store_ = c10::make_intrusive<c10d::TCPStore>(env_.master_addr, so);
  } catch (const std::exception& e) {
    throw std::runtime_error(
        env_.rank == 0
            ? fmt::format("rank 0 cannot host the rendezvous store on {} (port in use, or not an address of this "
                          "machine?), or not all {} ranks joined within dist.timeout={} s: {}",
                          where, env_.world_size, options_.timeout, e.what())
            : fmt::format("rank {} cannot reach the rendezvous store on {} (MASTER_ADDR/MASTER_PORT) within "
                          "dist.timeout={} s: {}",
                          env_.rank, where, options_.timeout, e.what()));
  }

  BackendKind kind = options_.backend;
  if (kind == BackendKind::Auto) kind = device.is_cuda() ? BackendKind::Nccl : BackendKind::Gloo;
#ifndef USE_C10D_NCCL
  if (kind == BackendKind::Nccl) {
    if (options_.backend == BackendKind::Nccl)
      throw std::runtime_error("dist.backend nccl: this build of longconv has no NCCL (build against a CUDA LibTorch)");
    kind = BackendKind::Gloo;
  }
#endif
  try {
    if (kind == BackendKind::Gloo) {
      auto go = c10d::ProcessGroupGloo::Options::create(to_ms(options_.timeout));
      go->devices.push_back(gloo_device(env_.master_addr));
      impl_->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, env_.rank, env_.world_size, go);
      impl_->backend_name = "gloo";
    } else {
#ifdef USE_C10D_NCCL
      auto no = c10d::ProcessGroupNCCL::Options::create();
      no->timeout = to_ms(options_.timeout);
      impl_->backend = c10::make_intrusive<c10d::ProcessGroupNCCL>(store_, env_.rank, env_.world_size, no);
      impl_->backend_name = "nccl";
#endif
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(fmt::format("rank {}: connecting the {} process group of {} ranks failed: {}", env_.rank,
                                         kind == BackendKind::Gloo ? "gloo" : "nccl", env_.world_size, e.what()));
  }

  store_->add(heartbeat_key(env_.rank), 1);
  // Its own client: the store's socket serialises requests, and a collective's store traffic never waits on a beat.
  auto beat_store = c10::make_intrusive<c10d::TCPStore>(env_.master_addr, [&] {
    c10d::TCPStoreOptions o = so;
    o.isServer = false;
    o.numWorkers = c10::nullopt;  // not a rank: it must not count as one joining
    o.waitWorkers = false;
    return o;
  }());
  impl_->heartbeat = std::thread([this, beat_store] {
    std::unique_lock<std::mutex> lock(impl_->mu);
    while (!impl_->cv.wait_for(lock, std::chrono::seconds(1), [this] { return impl_->stop; })) {
      try {
        beat_store->add(heartbeat_key(env_.rank), 1);
      } catch (const std::exception&) {
        return;  // the store's host (rank 0) is gone; the next collective reports it
      }
    }
  });
}

ProcessGroup::~ProcessGroup() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  if (impl_->heartbeat.joinable()) impl_->heartbeat.join();
}

std::vector<int> ProcessGroup::lost_ranks() {
  // A live rank beats every second; one whose counter does not move over three seconds is gone.
  std::vector<int64_t> before(static_cast<size_t>(size()));
  for (int r = 0; r < size(); ++r) before[static_cast<size_t>(r)] = store_->add(heartbeat_key(r), 0);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  std::vector<int> lost;
  for (int r = 0; r < size(); ++r)
    if (r != rank() && store_->add(heartbeat_key(r), 0) == before[static_cast<size_t>(r)]) lost.push_back(r);
  return lost;
}

void ProcessGroup::fail(const std::string& what, std::exception_ptr error) {
  std::string detail;
  try {
    std::rethrow_exception(error);
  } catch (const c10::Error& e) {
    detail = e.what_without_backtrace();
  } catch (const std::exception& e) {
    detail = e.what();
  }
  std::vector<int> lost;
  try {
    lost = lost_ranks();
  } catch (const std::exception&) {
    if (rank() != 0) lost = {0};  // the store lives in rank 0
  }
  if (!lost.empty())
    throw std::runtime_error(fmt::format("rank {}: {} failed: lost rank{} {} (its process died or hung): {}", rank(),
                                         what, lost.size() > 1 ? "s" : "", fmt::join(lost, ", "), detail));
  throw std::runtime_error(fmt::format("rank {}: {} failed: {}", rank(), what, detail));
}

void ProcessGroup::wait(const c10::intrusive_ptr<c10d::Work>& work) {
  try {
    work->wait();
  } catch (...) {
    fail(impl_->backend_name + " collective", std::current_exception());
  }
}

c10::intrusive_ptr<c10d::Work> ProcessGroup::allreduce_async(torch::Tensor& tensor) {
  std::vector<torch::Tensor> tensors{tensor};
  try {
    return impl_->backend->allreduce(tensors);
  } catch (...) {
    fail(impl_->backend_name + " all-reduce", std::current_exception());
  }
}

void ProcessGroup::allreduce(torch::Tensor& tensor) { wait(allreduce_async(tensor)); }

void ProcessGroup::broadcast(std::vector<torch::Tensor>& tensors, int root) {
  c10d::BroadcastOptions o;
  o.rootRank = root;
  for (auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    c10::intrusive_ptr<c10d::Work> work;
    try {
      work = impl_->backend->broadcast(one, o);
    } catch (...) {
      fail(impl_->backend_name + " broadcast", std::current_exception());
    }
    wait(work);
  }
}

void ProcessGroup::barrier() {
  c10::intrusive_ptr<c10d::Work> work;
  try {
    work = impl_->backend->barrier();
  } catch (...) {
    fail(impl_->backend_name + " barrier", std::current_exception());
  }
  wait(work);
}

std::vector<torch::Tensor> ProcessGroup::allgather(const torch::Tensor& tensor) {
  std::vector<torch::Tensor> input{tensor.contiguous()};
  std::vector<std::vector<torch::Tensor>> output(1);
  for (int r = 0; r < size(); ++r) output[0].push_back(torch::empty_like(input[0]));
  c10::intrusive_ptr<c10d::Work> work;
  try {
    work = impl_->backend->allgather(output, input);
  } catch (...) {
    fail(impl_->backend_name + " all-gather", std::current_exception());
  }
  wait(work);
  return output[0];
}

torch::Tensor ProcessGroup::allgather_rows(const torch::Tensor& tensor) {
  const auto rows =
      allgather(torch::full({1}, tensor.size(0), torch::TensorOptions(torch::kInt64).device(tensor.device())));
  int64_t most = 0;
  for (const auto& n : rows) most = std::max(most, n.item<int64_t>());
  std::vector<int64_t> padded_shape = tensor.sizes().vec();
  padded_shape[0] = most;
  torch::Tensor padded = torch::zeros(padded_shape, tensor.options());
  padded.narrow(0, 0, tensor.size(0)).copy_(tensor);
  std::vector<torch::Tensor> parts = allgather(padded);
  for (size_t r = 0; r < parts.size(); ++r) parts[r] = parts[r].narrow(0, 0, rows[r].item<int64_t>());
  return torch::cat(parts);
}

std::vector<std::string> ProcessGroup::allgather_bytes(const std::string& key, const std::string& bytes) {
  try {
    store_->set(fmt::format("{}/{}", key, rank()), std::vector<uint8_t>(bytes.begin(), bytes.end()));
    std::vector<std::string> all;
    for (int r = 0; r < size(); ++r) {
      const auto v = store_->get(fmt::format("{}/{}", key, r));
      all.emplace_back(v.begin(), v.end());
    }
    return all;
  } catch (...) {
    fail("exchanging '" + key + "' through the store", std::current_exception());
  }
}

void ProcessGroup::on_rank0(const std::string& key, const std::function<void()>& action) {
  const std::string k = "rank0/" + key;
  const auto read_key = [&k](int r) { return fmt::format("{}/read/{}", k, r); };  // rank r has read a failure
  if (rank() == 0) {
    std::string outcome = "ok";
    std::exception_ptr error;
    try {
      action();
    } catch (const c10::Error& e) {
      outcome = e.what_without_backtrace();
      error = std::current_exception();
    } catch (const std::exception& e) {
      outcome = e.what();
      error = std::current_exception();
    }
    store_->set(k, std::vector<uint8_t>(outcome.begin(), outcome.end()));
    if (!error) return;
    // Rank 0 serves the store: leaving now could close it before the other ranks read the failure, and they would
    // report a lost rank 0 instead of its message. A rank that died cannot read it: the wait's failure is dropped.
    std::vector<std::string> read;
    for (int r = 1; r < size(); ++r) read.push_back(read_key(r));
    try {
      store_->wait(read);
    } catch (const std::exception&) {
    }
    std::rethrow_exception(error);
  }
  std::vector<uint8_t> v;
  try {
    v = store_->get(k);
  } catch (...) {
    fail("waiting for rank 0 (" + key + ")", std::current_exception());
  }
  const std::string outcome(v.begin(), v.end());
  if (outcome == "ok") return;
  try {
    store_->set(read_key(rank()), std::vector<uint8_t>{1});
  } catch (const std::exception&) {  // rank 0 stopped waiting: its failure is what this rank reports either way
  }
  throw std::runtime_error(fmt::format("rank {}: rank 0 failed: {}", rank(), outcome));
}

std::unique_ptr<ProcessGroup> process_group_from_environment(const DistOptions& options, const torch::Device& device) {
  const auto env = dist_env_from_environment();
  if (!env || env->world_size == 1) return nullptr;
  return std::make_unique<ProcessGroup>(*env, options, device);
}

}  // namespace longconv::dist
