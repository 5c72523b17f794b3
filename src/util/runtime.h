// Process set-up for LibTorch on CPU: intra-op threads and the allocator.
#pragma once

namespace longconv {

// Sets the intra-op thread count (n <= 0 means every core, std::thread::hardware_concurrency(); LibTorch starts with
// one here) and keeps glibc malloc from returning large blocks to the kernel: training allocates and frees tensors of
// tens of MB every step, and with malloc's default mmap threshold each one is page-faulted in afresh (measured: the
// CCNN sMNIST step goes from 7.4 s to 4.0 s). Returns the thread count set.
int init_runtime(int n = 0);

}  // namespace longconv
