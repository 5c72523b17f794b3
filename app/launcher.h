// `--nproc N` of `longconv train` and `eval`: a single-machine launcher in the manner of torchrun. It starts N copies
// of this program with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1 and MASTER_PORT (a free loopback port)
// set, and the cores split between them.
#pragma once

#include <string>
#include <vector>

namespace longconv::cli {

// True when this process is one of a distributed run's workers (RANK or SLURM_PROCID set): it runs the command
// itself rather than launching.
bool is_dist_worker();

// Runs `args` (the command line after the program name) as `nproc` workers. When `set_threads`, each gets
// `threads=<cores / nproc>` appended (a config that sets `threads` keeps its value otherwise). Each worker's stderr
// lines are prefixed "[rank k] "; rank 0's stdout passes through. SIGINT and SIGTERM are forwarded. Returns when
// every worker succeeded; otherwise, once all have ended, throws std::runtime_error "rank k <how it ended>: <its last
// error line>" for the first to fail (the others' errors follow from it).
void launch_workers(int nproc, std::vector<std::string> args, bool set_threads);

}  // namespace longconv::cli
