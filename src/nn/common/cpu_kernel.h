// Where longconv's hand-written CPU kernels (nn/gelu, nn/glu, nn/depthwise_conv, nn/pointwise_linear's per-example
// GEMMs, ...) apply: float32 or float64 tensors on the CPU. Elsewhere the layers fall back to LibTorch's own ops.
// Also the helpers the kernels share: splitting work into runs, a per-channel scale, and the row reductions.
#pragma once

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstring>

namespace longconv::nn {

inline bool has_cpu_kernel(const torch::Tensor& t) {
  return t.device().is_cpu() && (t.scalar_type() == torch::kFloat || t.scalar_type() == torch::kDouble);
}

// Whether t can go into a kernel along with x: same dtype, on the CPU.
inline bool same_kernel_operand(const torch::Tensor& t, const torch::Tensor& x) {
  return t.device().is_cpu() && t.scalar_type() == x.scalar_type();
}

// Calls f(begin, length) over [0, n) on LibTorch's threads, each piece inside one run of `run` elements (a row of a
// per-channel scale, a half of GLU's input), so a kernel can hoist what is constant over a run.
template <typename F>
void parallel_runs(int64_t n, int64_t run, const F& f) {
  at::parallel_for(0, n, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end;) {
      const int64_t length = std::min(end - i, run - i % run);
      f(i, length);
      i += length;
    }
  });
}

// sum_t a[t] b[t], vectorised (the compiler may reorder the sum).
template <typename T>
T dot(const T* __restrict a, const T* __restrict b, int64_t n) {
  T acc = 0;
#pragma omp simd reduction(+ : acc)
  for (int64_t t = 0; t < n; ++t) acc += a[t] * b[t];
  return acc;
}

// A SIMD vector of T (GCC/Clang vector extension): 64 bytes, one AVX-512 register, where the build targets AVX-512
// (the loops are bound by loads, and a 64-byte load costs what a 32-byte one does); else 32 bytes, one AVX2
// register or two SSE ones. For loops the compilers vectorise badly when left to choose: nn::depthwise_conv's taps
// came out as gathers, and an omp simd reduction over the fading MultiresConv backward's array of tap sums took 2.2x
// the time of one pass per tap.
#ifdef __AVX512F__
constexpr int64_t kSimdBytes = 64;
#else
constexpr int64_t kSimdBytes = 32;
#endif
template <typename T>
struct Simd {
  typedef T type __attribute__((vector_size(kSimdBytes)));
  static constexpr int64_t lanes = kSimdBytes / sizeof(T);
  static type load(const T* p) {
    type v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }
  static void store(T* p, const type& v) { std::memcpy(p, &v, sizeof(v)); }
};

// The sum of v's lanes.
template <typename T>
T lane_sum(const typename Simd<T>::type& v) {
  T sum = 0;
  for (int64_t i = 0; i < Simd<T>::lanes; ++i) sum += v[i];
  return sum;
}

// sum_t x[t] in float64, so long float32 rows (statistics, bias gradients) lose no precision. Four vector
// accumulators: a single chain of adds (what omp simd makes of it) waits on each add's latency.
template <typename T>
double sum_in_double(const T* x, int64_t n) {
  using D = Simd<double>::type;
  constexpr int64_t kLanes = Simd<double>::lanes, kWays = 4;
  typedef T Part __attribute__((vector_size(kLanes * sizeof(T))));  // kLanes values of T
  D acc[kWays] = {};
  int64_t t = 0;
  for (; t + kWays * kLanes <= n; t += kWays * kLanes)
    for (int64_t r = 0; r < kWays; ++r) {
      Part v;
      std::memcpy(&v, x + t + r * kLanes, sizeof(v));
      acc[r] += __builtin_convertvector(v, D);
    }
  double sum = lane_sum<double>((acc[0] + acc[1]) + (acc[2] + acc[3]));
  for (; t < n; ++t) sum += static_cast<double>(x[t]);
  return sum;
}

// A per-channel scale of y [B, C, *] (a channel dropout's keep / (1 - p), shape [B, C, 1]), as its values and the
// length of the rows of y it scales. Undefined, it is 1 over one row that is all of y.
template <typename T>
struct ChannelScale {
  const T* values = nullptr;
  int64_t row = 1;
  T at(int64_t i) const { return values ? values[i / row] : T(1); }
};

template <typename T>
ChannelScale<T> channel_scale_of(const torch::Tensor& scale, const torch::Tensor& y) {
  if (!scale.defined() || y.numel() == 0) return {nullptr, y.numel()};
  return {scale.data_ptr<T>(), y.numel() / (y.size(0) * y.size(1))};
}

// Checks a channel scale for y of shape [B, C, *]; false when it is undefined (no scale).
inline bool check_channel_scale(const torch::Tensor& scale, torch::IntArrayRef y_sizes, const char* op) {
  if (!scale.defined()) return false;
  TORCH_CHECK(y_sizes.size() >= 2 && scale.dim() == 3 && scale.size(0) == y_sizes[0] && scale.size(1) == y_sizes[1] &&
                  scale.size(2) == 1,
              op, ": a channel scale for output ", y_sizes, " must have shape [B, C, 1], got ", scale.sizes());
  return true;
}

}  // namespace longconv::nn
