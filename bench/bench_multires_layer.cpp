// MultiresLayer forward+backward at the size (batch 50, d_model 256, L 1024): the fused kernel against the
// reference algorithm in LibTorch ops (grouped dilated conv1d, as the official code runs it), measured in one run.
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
void BM_MultiresLayerAten(benchmark::State& state) { layer_step(state, longconv::nn::multires_conv_aten); }

}  // namespace

BENCHMARK(BM_MultiresLayerFused)->Args({50, 256, 1024})->Unit(benchmark::kMillisecond)->MinTime(2.0);
// The baseline takes seconds per step: one iteration is enough.
BENCHMARK(BM_MultiresLayerAten)->Args({50, 256, 1024})->Unit(benchmark::kMillisecond)->Iterations(1);
