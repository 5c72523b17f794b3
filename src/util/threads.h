// Intra-op thread count: LibTorch starts with one thread here; default to every core.
#pragma once

namespace longconv {

// n <= 0 means "all cores" (std::thread::hardware_concurrency()). Returns the count set.
int init_threads(int n = 0);

}  // namespace longconv
