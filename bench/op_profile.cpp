#include "op_profile.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "util/runtime.h"

namespace longconv::bench {

namespace {

namespace prof = torch::autograd::profiler;

struct OpTime {
  int64_t calls = 0;
  double self_us = 0;
};

// Autograd nodes of our own functions print as "torch::autograd::CppNode<longconv::nn::(anonymous namespace)::X>".
std::string short_name(std::string name) {
  for (const std::string prefix : {"torch::autograd::CppNode<", "longconv::nn::", "(anonymous namespace)::"})
    if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  if (!name.empty() && name.back() == '>') name.pop_back();
  return name;
}

// Self time per op name on the thread that ran the steps (the one holding the "workload_step" ranges): ops in
// LibTorch's worker threads run inside an op of that thread, which their wall time is already part of.
std::map<std::string, OpTime> self_times(const prof::thread_event_lists& lists) {
  std::map<std::string, OpTime> times;
  for (const auto& events : lists) {
    const bool steps_thread = std::any_of(events.begin(), events.end(), [](const prof::LegacyEvent& e) {
      return e.kind() == prof::EventKind::PushRange && std::string(e.name()) == "workload_step";
    });
    if (!steps_thread) continue;
    struct Open {
      const prof::LegacyEvent* push;
      double child_us;
    };
    std::vector<Open> open;
    for (const auto& e : events) {
      if (e.kind() == prof::EventKind::PushRange) open.push_back({&e, 0.0});
      if (e.kind() != prof::EventKind::PopRange || open.empty()) continue;
      const Open o = open.back();
      open.pop_back();
      const double us = o.push->cpuElapsedUs(e);
      if (!open.empty()) open.back().child_us += us;
      OpTime& t = times[short_name(o.push->name())];
      ++t.calls;
      t.self_us += us - o.child_us;
    }
  }
  return times;
}

}  // namespace

void print_op_profile(const std::string& name, const Workload& workload, int steps) {
  TORCH_CHECK(steps > 0, "--op_profile_steps must be positive, got ", steps);
  init_runtime();
  WorkloadStep step(workload);
  if (workload.mode != Mode::Sample) step();  // as run_workload: the first step is not a step's cost
  prof::thread_event_lists lists;
  const auto start = std::chrono::steady_clock::now();
  {
    prof::TLSLegacyProfilerGuard guard(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU),
                                       [&lists](const prof::thread_event_lists& l) { lists = l; });
    for (int i = 0; i < steps; ++i) {
      RECORD_USER_SCOPE("workload_step");
      step();
    }
  }
  const double per_step_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / steps;
  std::map<std::string, OpTime> times = self_times(lists);
  const double step_self_ms = times["workload_step"].self_us / 1e3 / steps;  // between ops: Python-free glue
  times.erase("workload_step");
  std::vector<std::pair<std::string, OpTime>> rows(times.begin(), times.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.self_us > b.second.self_us; });
  std::printf("op profile of %s: %d steps, %.1f ms per step with the profiler on, %d threads\n", name.c_str(), steps,
              per_step_ms, at::get_num_threads());
  std::printf("self time of each op or autograd node on the steps' thread (worker threads' time is inside it)\n");
  std::printf("%-56s %10s %12s %7s\n", "op", "calls/step", "ms/step", "share");
  double shown = 0;
  for (const auto& [op, t] : rows) {
    const double ms = t.self_us / 1e3 / steps;
    if (ms < 0.005 * per_step_ms) break;
    shown += ms;
    std::printf("%-56s %10.1f %12.2f %6.1f%%\n", op.substr(0, 56).c_str(), static_cast<double>(t.calls) / steps, ms,
                100 * ms / per_step_ms);
  }
  std::printf("%-56s %10s %12.2f %6.1f%%\n", "(ops under 0.5% each)", "", per_step_ms - shown - step_self_ms,
              100 * (per_step_ms - shown - step_self_ms) / per_step_ms);
  std::printf("%-56s %10s %12.2f %6.1f%%\n", "(outside any op)", "", step_self_ms, 100 * step_self_ms / per_step_ms);
}

}  // namespace longconv::bench
