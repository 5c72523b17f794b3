#include "util/threads.h"

#include <thread>

#include <ATen/Parallel.h>

namespace longconv {

int init_threads(int n) {
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
  return n;
}

}  // namespace longconv
