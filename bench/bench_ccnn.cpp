// CCNN training steps as the reference runs them: forward, cross entropy plus weight_decay * LnLoss, backward, AdamW
// step. sMNIST CCNN-4,140 (batch 100, L 784, causal, FFT in the reference) and a CIFAR-10 shaped 2D CCNN-4,140
// (batch 64, 3x32x32, kernel 33, direct in the reference), each with the convolution forced to FFT, forced to direct,
// and chosen by conv.path auto.
#include <benchmark/benchmark.h>

#include <string>

#include "models/registry.h"
#include "train/run_config.h"
#include "util/runtime.h"

namespace {

// The experiments/README.md commands' net, kernel, mask and conv keys.
const char* kSmnist = R"(
net: {type: CCNN, in_channels: 1, out_channels: 10, data_dim: 1, no_hidden: 140, no_blocks: 4, dropout: 0.1,
      dropout_type: Dropout2d, norm: BatchNorm, nonlinearity: GELU, block: {type: S4}}
kernel: {type: MAGNet, no_hidden: 32, no_layers: 3, omega_0: 2976.49, chang_initialize: true, bias: true}
mask: {type: gaussian, init_value: 0.075, threshold: 0.1, dynamic_cropping: true}
conv: {type: SeparableFlexConv, causal: true, use_fft: true, bias: true}
)";
const char* kCifar = R"(
net: {type: CCNN, in_channels: 3, out_channels: 10, data_dim: 2, no_hidden: 140, no_blocks: 4, dropout: 0.1,
      dropout_type: Dropout2d, norm: BatchNorm, nonlinearity: GELU, block: {type: S4}}
kernel: {type: MAGNet, no_hidden: 32, no_layers: 3, omega_0: 4231.57, size: 33, chang_initialize: true, bias: true}
mask: {type: gaussian, init_value: 0.75, threshold: 0.1, dynamic_cropping: true}
conv: {type: SeparableFlexConv, causal: false, use_fft: false, bias: true}
)";

void ccnn_train_step(benchmark::State& state, const char* yaml, const std::string& path, std::vector<int64_t> x_shape,
                     double weight_decay) {
  longconv::init_runtime();
  torch::manual_seed(0);
  const longconv::Config config =
      longconv::Config::parse(yaml, "bench", {"conv.path=" + path}, longconv::train::run_schema);
  const longconv::models::Net net = longconv::models::net_type("CCNN").build(config);
  torch::optim::AdamW optimizer(net.module->parameters(), torch::optim::AdamWOptions(0.01).weight_decay(0.0));
  const auto x = torch::randn(x_shape);
  const auto y = torch::randint(0, 10, {x_shape[0]}, torch::kLong);
  net.module->train();
  auto step = [&] {
    optimizer.zero_grad();
    auto loss = torch::cross_entropy_loss(net.forward(x, {}), y);
    if (net.regularizer) loss = loss + weight_decay * net.regularizer();
    loss.backward();
    optimizer.step();
    return loss.item<float>();
  };
  step();  // the first step also runs the Chang initialisation and grows the heap: not a training step's cost
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.SetItemsProcessed(state.iterations() * x_shape[0]);
}

void BM_CcnnSmnistStepFft(benchmark::State& s) { ccnn_train_step(s, kSmnist, "fft", {100, 1, 784}, 1e-6); }
void BM_CcnnSmnistStepDirect(benchmark::State& s) { ccnn_train_step(s, kSmnist, "direct", {100, 1, 784}, 1e-6); }
void BM_CcnnSmnistStepAuto(benchmark::State& s) { ccnn_train_step(s, kSmnist, "auto", {100, 1, 784}, 1e-6); }
void BM_CcnnCifar2dStepFft(benchmark::State& s) { ccnn_train_step(s, kCifar, "fft", {64, 3, 32, 32}, 1e-4); }
void BM_CcnnCifar2dStepDirect(benchmark::State& s) { ccnn_train_step(s, kCifar, "direct", {64, 3, 32, 32}, 1e-4); }
void BM_CcnnCifar2dStepAuto(benchmark::State& s) { ccnn_train_step(s, kCifar, "auto", {64, 3, 32, 32}, 1e-4); }

}  // namespace

BENCHMARK(BM_CcnnSmnistStepFft)->Unit(benchmark::kMillisecond)->MinTime(5.0);
BENCHMARK(BM_CcnnSmnistStepDirect)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(BM_CcnnSmnistStepAuto)->Unit(benchmark::kMillisecond)->MinTime(5.0);
BENCHMARK(BM_CcnnCifar2dStepFft)->Unit(benchmark::kMillisecond)->MinTime(5.0);
BENCHMARK(BM_CcnnCifar2dStepDirect)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(BM_CcnnCifar2dStepAuto)->Unit(benchmark::kMillisecond)->MinTime(5.0);
