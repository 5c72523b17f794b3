// MultiresLayer forward+backward at the size (batch 50, d_model 256, L 1024): the fused kernel against the
// reference algorithm in LibTorch ops (grouped dilated conv1d, as the official code runs it), measured in one run.
// Also the fused forward alone against its memory-bandwidth bound: it must read x and write y once, the traffic of
// copying x, so the bound is x.clone() timed in the same run (issue 18: within 2x of it).
#include <benchmark/benchmark.h>

#include "nn/multires/multires_conv.h"
#include "nn/multires/multires_layer.h"
#include "util/runtime.h"

namespace {

using ConvFn = torch::Tensor (*)(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                                 const longconv::nn::MixPlan&);

void layer_step(benchmark::State& state, ConvFn conv) {
  longconv::init_runtime();
  const int64_t batch = state.range(0), d_model = state.range(1), length = state.range(2);
  torch::manual_seed(0);
  longconv::nn::MultiresLayer layer(longconv::nn::MultiresLayerOptions(d_model).kernel_size(2).seq_len(length));
  auto x = torch::randn({batch, d_model, length}, torch::requires_grad());
  for (auto _ : state) {
    auto y = torch::gelu(conv(x, layer->h0, layer->h1, layer->w, layer->plan));
    y.sum().backward();
    benchmark::DoNotOptimize(x.grad().data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

void BM_MultiresLayerFused(benchmark::State& state) { layer_step(state, longconv::nn::multires_conv); }

void BM_MultiresConvForwardFused(benchmark::State& state) {
  longconv::init_runtime();
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  const int64_t batch = state.range(0), d_model = state.range(1), length = state.range(2);
  longconv::nn::MultiresLayer layer(longconv::nn::MultiresLayerOptions(d_model).kernel_size(2).seq_len(length));
  const auto x = torch::randn({batch, d_model, length});
  for (auto _ : state)
    benchmark::DoNotOptimize(longconv::nn::multires_conv(x, layer->h0, layer->h1, layer->w, layer->plan));
  state.SetBytesProcessed(state.iterations() * 2 * x.nbytes());
}

void BM_MultiresConvBandwidthBound(benchmark::State& state) {
  longconv::init_runtime();
  const auto x = torch::randn({state.range(0), state.range(1), state.range(2)});
  for (auto _ : state) benchmark::DoNotOptimize(x.clone());
  state.SetBytesProcessed(state.iterations() * 2 * x.nbytes());
}
void BM_MultiresLayerAten(benchmark::State& state) { layer_step(state, longconv::nn::multires_conv_aten); }

}  // namespace

BENCHMARK(BM_MultiresLayerFused)->Args({50, 256, 1024})->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_MultiresConvForwardFused)->Args({50, 256, 1024})->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_MultiresConvBandwidthBound)->Args({50, 256, 1024})->Unit(benchmark::kMillisecond)->MinTime(2.0);
// The baseline takes seconds per step: one iteration is enough.
BENCHMARK(BM_MultiresLayerAten)->Args({50, 256, 1024})->Unit(benchmark::kMillisecond)->Iterations(1);
