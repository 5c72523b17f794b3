// The pieces of data-parallel training: batch shards, the environment, and a 2-rank process group on loopback
// (two threads of this process) for the collectives and the gradient reducer.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <thread>

#include "data/loader.h"
#include "dist/dist_env.h"
#include "dist/grad_reducer.h"
#include "dist/process_group.h"
#include "nn/common/batch_norm.h"
#include "support/free_port.h"

using namespace longconv;

namespace {

// Runs `body(group)` on ranks 0 and 1, each in its own thread with its own ProcessGroup.
void on_two_ranks(const std::function<void(dist::ProcessGroup&)>& body) {
  const uint16_t port = test::free_port();
  dist::DistOptions options;
  options.timeout = 30;
  std::exception_ptr errors[2];
  std::thread threads[2];
  for (int r = 0; r < 2; ++r)
    threads[r] = std::thread([&, r] {
      try {
        dist::DistEnv env;
        env.rank = r;
        env.world_size = 2;
        env.master_port = port;
        dist::ProcessGroup group(env, options, torch::kCPU);
        body(group);
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }

 private:
  const char* name_;
};

}  // namespace

TEST(ShardRange, SplitsABatchContiguouslyAndAsEvenlyAsPossible) {
  EXPECT_EQ(data::shard_range(16, 0, 2), (std::pair<int64_t, int64_t>{0, 8}));
  EXPECT_EQ(data::shard_range(16, 1, 2), (std::pair<int64_t, int64_t>{8, 16}));
  EXPECT_EQ(data::shard_range(11, 0, 2), (std::pair<int64_t, int64_t>{0, 6}));
  EXPECT_EQ(data::shard_range(11, 1, 2), (std::pair<int64_t, int64_t>{6, 11}));
  EXPECT_EQ(data::shard_range(1, 1, 3), (std::pair<int64_t, int64_t>{1, 1}));
  EXPECT_EQ(data::shard_range(1, 2, 3), (std::pair<int64_t, int64_t>{1, 1}));
}

TEST(DistEnv, ReadsTorchrunVariablesAndNamesABadOne) {
  EXPECT_FALSE(dist::dist_env_from_environment().has_value());
  {
    ScopedEnv rank("RANK", "1"), size("WORLD_SIZE", "4"), local("LOCAL_RANK", "1"), addr("MASTER_ADDR", "10.0.0.2"),
        port("MASTER_PORT", "1234");
    const auto env = dist::dist_env_from_environment();
    ASSERT_TRUE(env.has_value());
    EXPECT_EQ(env->rank, 1);
    EXPECT_EQ(env->world_size, 4);
    EXPECT_EQ(env->local_rank, 1);
    EXPECT_EQ(env->master_addr, "10.0.0.2");
    EXPECT_EQ(env->master_port, 1234);
  }
  {
    ScopedEnv rank("RANK", "4"), size("WORLD_SIZE", "4");
    try {
      dist::dist_env_from_environment();
      FAIL() << "rank 4 of 4 accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("RANK=4"), std::string::npos) << e.what();
    }
  }
  {
    ScopedEnv rank("SLURM_PROCID", "2"), size("SLURM_NTASKS", "3");
    const auto env = dist::dist_env_from_environment();
    ASSERT_TRUE(env.has_value());
    EXPECT_EQ(env->rank, 2);
    EXPECT_EQ(env->world_size, 3);
  }
}

TEST(ProcessGroup, SumsGathersAndSharesRankZerosFailure) {
  on_two_ranks([](dist::ProcessGroup& g) {
    torch::Tensor t = torch::full({3}, static_cast<double>(g.rank() + 1), torch::kFloat64);
    g.allreduce(t);
    EXPECT_TRUE(t.equal(torch::full({3}, 3.0, torch::kFloat64)));
    // Rank 0 has 2 rows, rank 1 has 1.
    const torch::Tensor rows = g.allgather_rows(torch::full({2 - g.rank(), 2}, static_cast<float>(g.rank())));
    EXPECT_TRUE(rows.equal(torch::tensor({0.f, 0.f, 0.f, 0.f, 1.f, 1.f}).reshape({3, 2})));
    // Rank 1 asks late: rank 0, which serves the store, must still be there to hand it the failure.
    if (g.rank() == 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
    try {
      g.on_rank0("refuse", [] { throw std::runtime_error("out_dir holds a previous run"); });
      ADD_FAILURE() << "rank " << g.rank() << " went on";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("out_dir holds a previous run"), std::string::npos) << e.what();
    }
  });
}

TEST(GradReducer, SumsGradientsOverRanksInBucketsAndZeroesUnusedOnes) {
  on_two_ranks([](dist::ProcessGroup& g) {
    // The global generator is shared by the two threads: deterministic weights and inputs instead.
    torch::nn::Linear a(4, 3), b(3, 2), unused(2, 2);
    std::vector<torch::Tensor> params;
    for (auto* m : {&a, &b, &unused})
      for (auto& p : (*m)->parameters()) {
        torch::NoGradGuard no_grad;
        p.copy_(torch::linspace(-1, 1, p.numel()).reshape(p.sizes()));
        params.push_back(p);
      }
    const auto input = [](int rank) {
      return torch::sin(torch::arange(20, torch::kFloat32) * (rank + 1.f)).reshape({5, 4});
    };
    // 32-byte buckets, filled from the last parameter back: unused's 8+16 and b's bias 8, b's weight 24, a's bias
    // 12, and a's weight 48 alone (a parameter larger than a bucket gets its own).
    dist::GradReducer reducer(g, params, 32.0 / (1024 * 1024));
    EXPECT_EQ(reducer.num_buckets(), 4);
    const auto grads_for = [&](int rank) {
      for (auto& p : params) p.mutable_grad() = torch::Tensor();
      b(a(input(rank))).square().sum().backward();
      std::vector<torch::Tensor> out;
      for (auto& p : params) out.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
      return out;
    };
    std::vector<torch::Tensor> expected = grads_for(0);
    const std::vector<torch::Tensor> other = grads_for(1);
    for (size_t i = 0; i < expected.size(); ++i) expected[i] += other[i];

    // Two micro-batches: the first accumulates locally, the second reduces.
    for (auto& p : params) p.mutable_grad() = torch::Tensor();
    const torch::Tensor x = input(g.rank());
    b(a(x.narrow(0, 0, 2))).square().sum().backward();
    reducer.arm();
    b(a(x.narrow(0, 2, 3))).square().sum().backward();
    reducer.finish();
    for (size_t i = 0; i < params.size(); ++i) {
      ASSERT_TRUE(params[i].grad().defined()) << i;
      EXPECT_TRUE(torch::allclose(params[i].grad(), expected[i], 1e-5, 1e-6)) << i;
    }
  });
}

TEST(SyncBatchNorm, TwoRanksNormaliseAndBackpropagateAsTheWholeBatch) {
  torch::manual_seed(2);
  const torch::Tensor x = torch::randn({8, 3, 5}, torch::kFloat64);
  const torch::Tensor dy = torch::randn({8, 3, 5}, torch::kFloat64);
  nn::BatchNorm whole(3);
  whole->to(torch::kFloat64);
  const auto xw = x.clone().requires_grad_();
  whole(xw).backward(dy);

  on_two_ranks([&](dist::ProcessGroup& g) {
    nn::BatchNorm bn(3);
    bn->to(torch::kFloat64);
    bn->synchronize([&g](std::vector<torch::Tensor>& tensors) {
      for (auto& t : tensors) g.allreduce(t);
    });
    const auto xr = x.narrow(0, 4 * g.rank(), 4).clone().requires_grad_();
    bn(xr).backward(dy.narrow(0, 4 * g.rank(), 4));
    EXPECT_TRUE(torch::allclose(xr.grad(), xw.grad().narrow(0, 4 * g.rank(), 4), 1e-10, 1e-12));
    EXPECT_TRUE(torch::allclose(bn->running_mean, whole->running_mean, 1e-10, 1e-12));
    EXPECT_TRUE(torch::allclose(bn->running_var, whole->running_var, 1e-10, 1e-12));
    // Each rank's weight gradient is its slice's part; the gradient reducer sums them.
    torch::Tensor dweight = bn->weight.grad().clone();
    g.allreduce(dweight);
    EXPECT_TRUE(torch::allclose(dweight, whole->weight.grad(), 1e-10, 1e-12));
  });
}
