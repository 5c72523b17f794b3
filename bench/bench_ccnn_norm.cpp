// The CCNN block's BatchNorm at the sMNIST-4,140 size ([100, 140, 784], float32), forward and forward+backward:
// nn::channel_batch_norm against LibTorch's torch::batch_norm, and x.clone() (one read and one write of x, the
// least a forward can move) as the memory bound, all measured in one run.
#include <benchmark/benchmark.h>

#include "nn/common/channel_batch_norm.h"
#include "util/runtime.h"

namespace {

using NormFn = torch::Tensor (*)(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                 const torch::Tensor&, bool, double, double);

torch::Tensor torch_batch_norm(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                               const torch::Tensor& rm, const torch::Tensor& rv, bool training, double momentum,
                               double eps) {
  return torch::batch_norm(x, w, b, rm, rv, training, momentum, eps, /*cudnn_enabled=*/false);
}

void norm(benchmark::State& state, NormFn fn, bool backward) {
  longconv::init_runtime();
  torch::manual_seed(0);
  const auto x = torch::randn({state.range(0), state.range(1), state.range(2)}).requires_grad_(backward);
  const auto w = torch::ones({state.range(1)}).requires_grad_(backward);
  const auto b = torch::zeros({state.range(1)}).requires_grad_(backward);
  auto rm = torch::zeros({state.range(1)}), rv = torch::ones({state.range(1)});
  const auto g = torch::randn_like(x);
  torch::AutoGradMode grad_mode(backward);
  for (auto _ : state) {
    auto y = fn(x, w, b, rm, rv, /*training=*/true, 0.1, 1e-5);
    if (backward) y.backward(g);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * 2 * x.nbytes());
}

void BM_ChannelBatchNormForward(benchmark::State& s) { norm(s, longconv::nn::channel_batch_norm, false); }
void BM_TorchBatchNormForward(benchmark::State& s) { norm(s, torch_batch_norm, false); }
void BM_ChannelBatchNormStep(benchmark::State& s) { norm(s, longconv::nn::channel_batch_norm, true); }
void BM_TorchBatchNormStep(benchmark::State& s) { norm(s, torch_batch_norm, true); }

void BM_CcnnNormBandwidthBound(benchmark::State& state) {
  longconv::init_runtime();
  const auto x = torch::randn({state.range(0), state.range(1), state.range(2)});
  for (auto _ : state) benchmark::DoNotOptimize(x.clone());
  state.SetBytesProcessed(state.iterations() * 2 * x.nbytes());
}

}  // namespace

BENCHMARK(BM_ChannelBatchNormForward)->Args({100, 140, 784})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TorchBatchNormForward)->Args({100, 140, 784})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ChannelBatchNormStep)->Args({100, 140, 784})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TorchBatchNormStep)->Args({100, 140, 784})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CcnnNormBandwidthBound)->Args({100, 140, 784})->Unit(benchmark::kMillisecond);
