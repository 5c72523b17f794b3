// Where a workload's step spends its time, op by op: `longconv_bench --op_profile=NAME [--op_profile_steps=N]` runs
// N steps of the named workload (bench_paper_workloads.cpp) under LibTorch's profiler and prints each ATen op's and
// autograd node's self time per step, largest first. longconv's own kernels appear by name (longconv::gelu, ...).
#pragma once

#include <string>

#include "workload.h"

namespace longconv::bench {

void print_op_profile(const std::string& name, const Workload& workload, int steps);

}  // namespace longconv::bench
