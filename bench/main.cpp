// Benchmarks, then each fast path's ratio to its baseline measured in the same run. Ratios to the official code come
// from bench/compare_official.sh, which times both side by side: a figure typed in from another day would not be a
// measurement on a machine whose speed drifts between days.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>

#include "op_profile.h"
#include "util/runtime.h"

namespace {

// Records the mean real time (seconds) of every benchmark family while printing as usual.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
      seconds[run.run_name.function_name] = run.real_accumulated_time / static_cast<double>(run.iterations);
    }
  }
  std::map<std::string, double> seconds;
};

struct Target {
  const char* fast;
  const char* baseline;  // the path it replaces, measured in the same run
  double target_speedup;
};

const Target kTargets[] = {
    {"BM_MultiresLayerFused", "BM_MultiresLayerAten", 5.0},
    // The bound is x.clone(), the least traffic a forward can make: 0.5 is "within 2x of the bandwidth bound".
    {"BM_MultiresConvForwardFused", "BM_MultiresConvBandwidthBound", 0.5},
    {"BM_MultiresARSampleStreaming", "BM_MultiresARSampleFullRecompute", 100.0},
    // CCNN: conv.path auto against the path the reference's rule takes (sMNIST FFT, CIFAR-10 direct).
    {"BM_CcnnSmnistStepAuto", "BM_CcnnSmnistStepFft", 1.0},
    {"BM_CcnnCifar2dStepAuto", "BM_CcnnCifar2dStepDirect", 1.0},
    // Point clouds: the k-d tree against all pairs (k = 256 and the full sort), cropping against the reference's
    // all-edges convs.
    {"BM_PointKnn512KdTree", "BM_PointKnn512AllPairs", 1.0},
    {"BM_PointKnn1024KdTree", "BM_PointKnn1024AllPairs", 1.0},
    {"BM_PointKnn2048KdTree", "BM_PointKnn2048AllPairs", 1.0},
    {"BM_PointSort512KdTree", "BM_PointSort512AllPairs", 1.0},
    {"BM_PointSort2048KdTree", "BM_PointSort2048AllPairs", 1.0},
    {"BM_PointCcnnModelNetStepCrop", "BM_PointCcnnModelNetStep", 1.0},
};

// `--op_profile=NAME [--op_profile_steps=N]` prints NAME's op profile (op_profile.h) instead of benchmarking.
int op_profile(int argc, char** argv) {
  std::string name;
  int steps = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--op_profile=", 0) == 0) {
      name = arg.substr(13);
    } else if (arg.rfind("--op_profile_steps=", 0) == 0) {
      steps = std::atoi(arg.c_str() + 19);
    } else {
      std::fprintf(stderr, "longconv_bench: %s does not go with --op_profile\n", arg.c_str());
      return 2;
    }
  }
  const longconv::bench::Workload* workload = longconv::bench::find_workload(name);
  if (workload == nullptr) {
    std::fprintf(stderr, "longconv_bench: --op_profile=%s: no such workload (bench/bench_paper_workloads.cpp)\n",
                 name.c_str());
    return 2;
  }
  try {
    longconv::bench::print_op_profile(name, *workload, steps);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "longconv_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  longconv::reexec_with_passive_omp_wait(argv);  // as the CLI runs
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).rfind("--op_profile=", 0) == 0) return op_profile(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf("\n%-28s %10s %12s %8s\n", "benchmark", "seconds", "vs baseline", "target");
  for (const auto& t : kTargets) {
    auto it = reporter.seconds.find(t.fast);
    if (it == reporter.seconds.end()) continue;
    const double s = it->second;
    auto base = reporter.seconds.find(t.baseline);
    const std::string vs_base = base == reporter.seconds.end() ? "-" : std::to_string(base->second / s) + "x";
    std::printf("%-28s %10.3f %12s %7.1fx\n", t.fast, s, vs_base.c_str(), t.target_speedup);
  }
  benchmark::Shutdown();
  return 0;
}
