#include "util/runtime.h"

#include <malloc.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <thread>

#include <ATen/Parallel.h>

namespace longconv {

int init_runtime(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
#ifdef __GLIBC__
  // Serve every block from the heap and never trim it: freed tensor memory is reused instead of unmapped.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
  return n;
}

void reexec_with_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv);  // returns only if it failed: run on with the default policy
}

}  // namespace longconv
