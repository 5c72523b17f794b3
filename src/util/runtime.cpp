#include "util/runtime.h"

#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <ATen/Context.h>
#include <ATen/Parallel.h>

namespace longconv {

int init_runtime(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
  // Flush denormal floats to zero on this thread and on each of LibTorch's intra-op threads (the mode is per
  // thread; the pool's threads live on), where the per-example GEMMs and longconv's kernels run.
  at::globalContext().setFlushDenormal(true);
  at::parallel_for(0, n, 1, [](int64_t, int64_t) { at::globalContext().setFlushDenormal(true); });
#ifdef __GLIBC__
  // Under glibc's malloc (longconv's executables link tcmalloc, which ignores mallopt; a program of the user's may
  // not): serve every block from the heap and never trim it, so freed tensor memory is reused instead of unmapped.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);
#endif
  return n;
}

void reexec_with_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
  execv("/proc/self/exe", argv);  // returns only if it failed: run on with the default policy
}

namespace {

// OpenBLAS's thread-count API, looked up in the running process (LibTorch loads the BLAS that libblas.so.3 points to).
struct OpenBlasThreads {
  using Set = void (*)(int);
  using Get = int (*)();
  Set set = reinterpret_cast<Set>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  Get get = reinterpret_cast<Get>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  std::mutex mutex;
  int guards = 0;
  int saved = 1;
};

OpenBlasThreads& openblas_threads() {
  static OpenBlasThreads threads;
  return threads;
}

}  // namespace

SingleThreadedBlas::SingleThreadedBlas() {
  auto& o = openblas_threads();
  if (o.set == nullptr || o.get == nullptr) return;
  std::lock_guard<std::mutex> lock(o.mutex);
  if (o.guards++ == 0) {
    o.saved = o.get();
    o.set(1);
  }
}

SingleThreadedBlas::~SingleThreadedBlas() {
  auto& o = openblas_threads();
  if (o.set == nullptr || o.get == nullptr) return;
  std::lock_guard<std::mutex> lock(o.mutex);
  if (--o.guards == 0) o.set(o.saved);
}

}  // namespace longconv
