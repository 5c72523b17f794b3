// CCNN training steps of the paper configs (bench/workload.h): sMNIST CCNN-4,140 (batch 100, L 784, causal, FFT in
// the reference) and CIFAR-10 2D CCNN-4,140 (batch 64, 3x32x32, kernel 33, direct in the reference), each with the
// convolution forced to FFT, forced to direct, and chosen by conv.path auto.
#include <benchmark/benchmark.h>

#include <string>

#include "workload.h"

namespace {

using longconv::bench::classification;
using longconv::bench::Workload;

Workload smnist(const char* path) {
  return {"ccnn/smnist_4_140.yaml", {std::string("conv.path=") + path}, classification(1, 10, {784}), 100};
}
Workload cifar2d(const char* path) {
  return {"ccnn/cifar10_4_140.yaml", {std::string("conv.path=") + path}, classification(3, 10, {32, 32}), 64};
}

void BM_CcnnSmnistStepFft(benchmark::State& s) { longconv::bench::run_workload(s, smnist("fft")); }
void BM_CcnnSmnistStepDirect(benchmark::State& s) { longconv::bench::run_workload(s, smnist("direct")); }
void BM_CcnnSmnistStepAuto(benchmark::State& s) { longconv::bench::run_workload(s, smnist("auto")); }
void BM_CcnnCifar2dStepFft(benchmark::State& s) { longconv::bench::run_workload(s, cifar2d("fft")); }
void BM_CcnnCifar2dStepDirect(benchmark::State& s) { longconv::bench::run_workload(s, cifar2d("direct")); }
void BM_CcnnCifar2dStepAuto(benchmark::State& s) { longconv::bench::run_workload(s, cifar2d("auto")); }

}  // namespace

BENCHMARK(BM_CcnnSmnistStepFft)->Unit(benchmark::kMillisecond)->MinTime(5.0);
BENCHMARK(BM_CcnnSmnistStepDirect)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(BM_CcnnSmnistStepAuto)->Unit(benchmark::kMillisecond)->MinTime(5.0);
BENCHMARK(BM_CcnnCifar2dStepFft)->Unit(benchmark::kMillisecond)->MinTime(5.0);
BENCHMARK(BM_CcnnCifar2dStepDirect)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(BM_CcnnCifar2dStepAuto)->Unit(benchmark::kMillisecond)->MinTime(5.0);
