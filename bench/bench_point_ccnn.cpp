// Point-cloud CCNN: the neighbour search of the data pipeline (all pairs against the k-d tree, per cloud of
// N = 512 / 1024 / 2048 points, k = 256 = CCNN-4,110's kernel.num_edges and k = N = the reference's full sort) and the
// training step of the ModelNet40 CCNN-4,110 command (no_hidden 140, 4 blocks, MAGNet 32 x 3, omega_0 500, 256 edges,
// N = 512) at its paper batch size 16, without and with neighbour cropping by the mask.
#include <benchmark/benchmark.h>

#include "data/point_cloud.h"
#include "data/point_neighbours.h"
#include "models/ccnn/point_ccnn.h"
#include "util/runtime.h"

namespace {

void knn(benchmark::State& state, int64_t n, int64_t k, longconv::data::NeighbourSearch search) {
  torch::manual_seed(0);
  const auto pos = torch::rand({n, 3}) * 2 - 1;
  for (auto _ : state) benchmark::DoNotOptimize(longconv::data::sorted_neighbours(pos, k, search));
}

using longconv::data::NeighbourSearch;
void BM_PointKnn512AllPairs(benchmark::State& s) { knn(s, 512, 256, NeighbourSearch::AllPairs); }
void BM_PointKnn512KdTree(benchmark::State& s) { knn(s, 512, 256, NeighbourSearch::KdTree); }
void BM_PointKnn1024AllPairs(benchmark::State& s) { knn(s, 1024, 256, NeighbourSearch::AllPairs); }
void BM_PointKnn1024KdTree(benchmark::State& s) { knn(s, 1024, 256, NeighbourSearch::KdTree); }
void BM_PointKnn2048AllPairs(benchmark::State& s) { knn(s, 2048, 256, NeighbourSearch::AllPairs); }
void BM_PointKnn2048KdTree(benchmark::State& s) { knn(s, 2048, 256, NeighbourSearch::KdTree); }
void BM_PointSort512AllPairs(benchmark::State& s) { knn(s, 512, 512, NeighbourSearch::AllPairs); }
void BM_PointSort512KdTree(benchmark::State& s) { knn(s, 512, 512, NeighbourSearch::KdTree); }
void BM_PointSort2048AllPairs(benchmark::State& s) { knn(s, 2048, 2048, NeighbourSearch::AllPairs); }
void BM_PointSort2048KdTree(benchmark::State& s) { knn(s, 2048, 2048, NeighbourSearch::KdTree); }

BENCHMARK(BM_PointKnn512AllPairs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointKnn512KdTree)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointKnn1024AllPairs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointKnn1024KdTree)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointKnn2048AllPairs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointKnn2048KdTree)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointSort512AllPairs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointSort512KdTree)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointSort2048AllPairs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PointSort2048KdTree)->Unit(benchmark::kMillisecond);

void point_ccnn_step(benchmark::State& state, bool crop) {
  longconv::init_runtime();
  torch::manual_seed(0);
  const int64_t batch = 16, n = 512, edges = 256;
  longconv::nn::KernelNetOptions kernel;
  kernel.type(longconv::nn::KernelNetType::MAGNet).hidden_channels(32).no_layers(3).omega_0(500.0);
  const auto conv =
      longconv::nn::SeparablePointFlexConvOptions(1, 1).kernel(kernel).num_edges(edges).crop_neighbours(crop);
  longconv::models::PointCCNN net(longconv::models::PointCCNNOptions(6, 40, conv).no_hidden(140).no_blocks(4));
  torch::optim::AdamW optimizer(net->parameters(), torch::optim::AdamWOptions(0.02).weight_decay(0.0));
  std::vector<torch::Tensor> x, rel, idx;
  for (int64_t b = 0; b < batch; ++b) {
    // Points on a sphere, as dense as ModelNet's surfaces.
    const auto p =
        torch::nn::functional::normalize(torch::randn({n, 3}), torch::nn::functional::NormalizeFuncOptions().dim(1));
    const longconv::data::PointCloud cloud{p * 0.999999, p};
    x.push_back(longconv::data::point_features(cloud));
    rel.push_back(longconv::data::relative_positions(cloud.pos));
    idx.push_back(longconv::data::sorted_neighbours(cloud.pos, edges));
  }
  const auto xs = torch::stack(x), rels = torch::stack(rel), idxs = torch::stack(idx);
  const auto y = torch::randint(0, 40, {batch}, torch::kLong);
  net->train();
  auto step = [&] {
    optimizer.zero_grad();
    auto loss = torch::cross_entropy_loss(net(xs, rels, idxs), y);
    loss.backward();
    optimizer.step();
    return loss.item<float>();
  };
  step();
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.counters["edges"] = static_cast<double>(net->conv1->last_edges);
}

void BM_PointCcnnModelNetStep(benchmark::State& s) { point_ccnn_step(s, false); }
void BM_PointCcnnModelNetStepCrop(benchmark::State& s) { point_ccnn_step(s, true); }
BENCHMARK(BM_PointCcnnModelNetStep)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_PointCcnnModelNetStepCrop)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
