// Sampling 64 CIFAR-shaped images (3x32x32: 1024 pixel positions, each drawing its 3 channels) from MultiresAR with
// d_model 64, 4 layers, 10 mixture components: streaming (MultiresARStream, O(1) per position) against full recompute
// (the reference's algorithm: one full forward over the 64x3x1024 canvas per new position).
//
// Full recompute of all 1024 positions takes far too long here, and every position costs the same full forward over
// the whole canvas, so it is timed on the first kPrefix positions and extrapolated linearly to 1024 in the same run
// (manual time = measured * 1024 / kPrefix; the label says so). Streaming samples all 1024 positions.
#include <ATen/CPUGeneratorImpl.h>
#include <benchmark/benchmark.h>

#include <chrono>

#include "models/multires/ar_sampler.h"
#include "util/runtime.h"

namespace {

constexpr int64_t kImages = 64, kChannels = 3, kLength = 32 * 32, kDModel = 64, kLayers = 4, kPrefix = 24;

longconv::models::MultiresAR make_net() {
  torch::manual_seed(0);
  longconv::models::MultiresAR net(
      longconv::models::MultiresAROptions(kChannels, 10)
          .stack(
              longconv::models::ResidualStackOptions().d_model(kDModel).n_layers(kLayers).max_length(kLength).dropout(
                  0.1)));
  net->eval();
  return net;
}

template <class Sampler>
double time_sampling(Sampler sample, int64_t positions) {
  auto net = make_net();
  longconv::models::SampleOptions o;
  o.n = kImages;
  o.length = kLength;
  o.positions = positions;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(0);
  const auto start = std::chrono::steady_clock::now();
  benchmark::DoNotOptimize(sample(net, o, generator).sum().template item<float>());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void BM_MultiresARSampleStreaming(benchmark::State& state) {
  longconv::init_runtime();
  for (auto _ : state) state.SetIterationTime(time_sampling(longconv::models::sample_streaming, kLength));
  state.SetItemsProcessed(state.iterations() * kImages);
  state.SetLabel("64 images x 1024 positions");
}

void BM_MultiresARSampleFullRecompute(benchmark::State& state) {
  longconv::init_runtime();
  for (auto _ : state) {
    const double prefix_seconds = time_sampling(longconv::models::sample_full_recompute, kPrefix);
    state.SetIterationTime(prefix_seconds * static_cast<double>(kLength) / static_cast<double>(kPrefix));
  }
  state.SetItemsProcessed(state.iterations() * kImages);
  state.SetLabel("timed on the first 24 of 1024 positions, extrapolated linearly");
}

}  // namespace

BENCHMARK(BM_MultiresARSampleStreaming)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(BM_MultiresARSampleFullRecompute)->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
