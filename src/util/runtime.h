// Process set-up for LibTorch on CPU: intra-op threads, the allocator and BLAS threads.
#pragma once

namespace longconv {

// Sets the intra-op thread count (n <= 0 means every core, std::thread::hardware_concurrency(); LibTorch starts with
// one here) and keeps glibc malloc from returning large blocks to the kernel: training allocates and frees tensors of
// tens of MB every step, and with malloc's default mmap threshold each one is page-faulted in afresh (measured: the
// CCNN sMNIST step goes from 7.4 s to 4.0 s). Also flushes denormal floats to zero (FTZ and DAZ, as
// torch.set_flush_denormal(True) and TensorFlow's CPU threads do) on the calling thread and on LibTorch's intra-op
// threads: gradients of saturated GELUs reach below 1.2e-38, and on AVX-512 cores a GEMM with denormal operands ran
// 80x slower (OpenBLAS, [140, 140] x [140, 16000]: 343 ms against 4.3 ms), which made the raw Speech Commands
// CCNN step 5.8x slower (34.5 s against 6.0 s). Values that small change results by no more than themselves. Returns
// the thread count set.
int init_runtime(int n = 0);

// libgomp reads OMP_WAIT_POLICY once, when it loads (before main). Its default lets idle OpenMP threads spin, which
// steals the cores from OpenBLAS's threads and from other processes: a short CCNN run on a busy 2-core machine took
// 62 s instead of 3 s, and the quiet sMNIST step is faster passive too. Called first thing in main: if the variable
// is unset, sets it to passive and re-executes the program (same pid, arguments and environment otherwise); a value
// the user set is kept. Returns only when no re-execution happened.
void reexec_with_passive_omp_wait(char** argv);

// While one of these lives, OpenBLAS runs every GEMM on the calling thread. Its pthreads build serialises GEMMs issued
// from several threads at once and splits each across its own pool, so a loop of per-example GEMMs run by LibTorch's
// threads only scales with OpenBLAS single-threaded (measured here: 100 GEMMs [140, 140] x [140, 784] take 36 ms from
// one thread with OpenBLAS's 2 threads, 20 ms from 2 threads with OpenBLAS on 1). Nested and concurrent guards are
// counted; the last one restores the thread count. A no-op for other BLAS libraries (MKL runs single-threaded inside
// an OpenMP region by itself; the reference BLAS has no threads).
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;
};

}  // namespace longconv
