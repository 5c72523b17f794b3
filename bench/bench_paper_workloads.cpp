// The workloads bench/compare_official.sh times here and in the official code (bench/official/time_official.py, same
// names): the papers' own configs from configs/, a training step unless the name says infer or sample.
#include <benchmark/benchmark.h>

#include <string>
#include <utility>

#include "workload.h"

namespace {

using longconv::bench::classification;
using longconv::bench::Mode;
using longconv::bench::Workload;

longconv::data::DatasetInfo cifar_density() {
  longconv::data::DatasetInfo info = classification(3, 0, {1024});
  info.task = longconv::data::Task::Density;
  return info;
}

// The official ListOps loader's vocabulary (dataloaders/lra.py, "actual size 18"): 10 digits, 4 operators, ']',
// padding, unknown and end of sequence.
constexpr int64_t kListOpsTokens = 18;

const std::pair<const char*, Workload> kWorkloads[] = {
    {"multires_net_small",
     {"multires/seq_cifar.yaml",
      {"net.d_model=128", "net.n_layers=4", "net.dropout=0.1", "optimizer.lr=0.001", "optimizer.weight_decay=0.01"},
      classification(3, 10, {1024}),
      32}},
    {"multires_scifar", {"multires/seq_cifar.yaml", {}, classification(3, 10, {1024}), 50}},
    // train.checkpoint_activations: the same steps, keeping only each block's input.
    {"multires_scifar_checkpointed",
     {"multires/seq_cifar.yaml", {"train.checkpoint_activations=true"}, classification(3, 10, {1024}), 50}},
    {"multires_listops_checkpointed",
     {"multires/listops.yaml",
      {"train.checkpoint_activations=true"},
      classification(1, 10, {2048}, kListOpsTokens),
      50}},
    {"multires_scifar_infer", {"multires/seq_cifar.yaml", {}, classification(3, 10, {1024}), 50, Mode::Infer}},
    {"multires_listops", {"multires/listops.yaml", {}, classification(1, 10, {2048}, kListOpsTokens), 50}},
    {"multires_ar_sample", {"multires/cifar_ar.yaml", {}, cifar_density(), 64, Mode::Sample}},
    {"ccnn_smnist", {"ccnn/smnist_4_140.yaml", {}, classification(1, 10, {784}), 100}},
    {"ccnn_smnist_infer", {"ccnn/smnist_4_140.yaml", {}, classification(1, 10, {784}), 100, Mode::Infer}},
    {"ccnn_smnist_checkpointed",
     {"ccnn/smnist_4_140.yaml", {"train.checkpoint_activations=true"}, classification(1, 10, {784}), 100}},
    {"ccnn_cifar10_2d", {"ccnn/cifar10_4_140.yaml", {}, classification(3, 10, {32, 32}), 64}},
    {"ccnn_cifar10_2d_checkpointed",
     {"ccnn/cifar10_4_140.yaml", {"train.checkpoint_activations=true"}, classification(3, 10, {32, 32}), 64}},
    {"ccnn_speech_raw", {"ccnn/speech_raw_4_140.yaml", {}, classification(1, 10, {16000}), 20}},
    {"ccnn_speech_raw_checkpointed",
     {"ccnn/speech_raw_4_140.yaml", {"train.checkpoint_activations=true"}, classification(1, 10, {16000}), 20}},
    {"ccnn_scifar_6_380", {"ccnn/scifar10_6_380.yaml", {}, classification(3, 10, {1024}), 50}},
    {"ccnn_scifar_6_380_checkpointed",
     {"ccnn/scifar10_6_380.yaml", {"train.checkpoint_activations=true"}, classification(3, 10, {1024}), 50}},
};

}  // namespace

const longconv::bench::Workload* longconv::bench::find_workload(const std::string& name) {
  for (const auto& [n, workload] : kWorkloads)
    if (name == n) return &workload;
  return nullptr;
}

namespace {

// Paper-sized steps take seconds: the default minimum time runs one or a few; compare_official.sh sets its own.
const bool kRegistered = [] {
  for (const auto& [name, workload] : kWorkloads)
    benchmark::RegisterBenchmark(name, [w = workload](benchmark::State& s) {
      longconv::bench::run_workload(s, w);
    })->Unit(benchmark::kMillisecond);
  return true;
}();

}  // namespace
