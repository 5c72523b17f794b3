// MultiresNet training step at batch 32, d_model 128, 4 layers, L 1024 (sequential-CIFAR shaped: 3 channels,
// 10 classes): forward, cross entropy, backward, AdamW step.
#include <benchmark/benchmark.h>

#include "models/multires/multires_net.h"
#include "util/runtime.h"

namespace {

void BM_MultiresNetTrainStep(benchmark::State& state) {
  longconv::init_runtime();
  const int64_t batch = state.range(0), d_model = state.range(1), n_layers = state.range(2), length = state.range(3);
  torch::manual_seed(0);
  longconv::models::MultiresNet net(longconv::models::MultiresNetOptions(3).stack(
      longconv::models::ResidualStackOptions().d_model(d_model).n_layers(n_layers).max_length(length).dropout(0.1)));
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(0.01));
  auto x = torch::randn({batch, 3, length});
  auto y = torch::randint(0, 10, {batch}, torch::kLong);
  net->train();
  for (auto _ : state) {
    optimizer.zero_grad();
    auto loss = torch::cross_entropy_loss(net->forward(x), y);
    loss.backward();
    optimizer.step();
    benchmark::DoNotOptimize(loss.item<float>());
  }
  state.SetItemsProcessed(state.iterations() * batch);
}

}  // namespace

BENCHMARK(BM_MultiresNetTrainStep)->Args({32, 128, 4, 1024})->Unit(benchmark::kMillisecond)->MinTime(3.0);
