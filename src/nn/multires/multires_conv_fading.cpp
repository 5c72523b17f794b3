#include "nn/multires/multires_conv_fading.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "nn/common/cpu_kernel.h"

namespace longconv::nn {
namespace {

// The largest shift a tap of the tree reads back: (k - 1) 2^(depth - 1).
int64_t max_shift(const MixPlan& plan) { return (plan.kernel_size - 1) * (int64_t{1} << (plan.depth - 1)); }

// `count` rows of n values with at least `pad` zeros on either side, so a level's taps read zeros past a row's ends
// without a branch. Only [0, n) of a row is ever written. Rows start on 64-byte lines: a vector load or store that
// straddles two lines costs two.
template <typename T>
class PaddedRows {
 public:
  PaddedRows(int64_t count, int64_t pad, int64_t n)
      : pad_(round_up(pad)), stride_(2 * pad_ + round_up(n)), data_(count * stride_ + kLine, T(0)) {
    const auto address = reinterpret_cast<std::uintptr_t>(data_.data());
    base_ = data_.data() + (kLine - address / sizeof(T) % kLine) % kLine;
  }
  T* row(int64_t i) { return base_ + i * stride_ + pad_; }

 private:
  static constexpr int64_t kLine = 64 / sizeof(T);  // values per cache line
  static int64_t round_up(int64_t v) { return (v + kLine - 1) / kLine * kLine; }
  int64_t pad_, stride_;
  std::vector<T> data_;
  T* base_;
};

// One tree level over a row: lo[t] = sum_j h0[j] in[t - (k-1-j) d] into `out`, and with kMix the level's res_hi
// (h1 likewise) times wh added to y; the last level adds wl * lo to y instead of storing it. K is the kernel size
// when known at compile time (the taps unroll and the loop over t vectorises), 0 for any other.
template <typename T, int K, bool kMix>
void level_forward(const T* __restrict in, const T* h0, const T* h1, int64_t kernel_size, int64_t d, T wh, T wl,
                   bool last, int64_t n, T* __restrict out, T* __restrict y) {
  const int64_t k = K ? K : kernel_size;
  for (int64_t t = 0; t < n; ++t) {
    T lo = 0, hi = 0;
    for (int64_t j = 0; j < k; ++j) {
      const T v = in[t - (k - 1 - j) * d];
      lo += h0[j] * v;
      if constexpr (kMix) hi += h1[j] * v;
    }
    if constexpr (kMix) {
      if (last) {
        y[t] = (y[t] + wh * hi) + wl * lo;
        continue;
      }
      y[t] += wh * hi;
    }
    out[t] = lo;
  }
}

template <typename T, int K>
void forward_row(const T* x, const T* h0, const T* h1, const T* w, const MixPlan& plan, int64_t n, PaddedRows<T>& buf,
                 T* y) {
  T* in = buf.row(0);
  const T wr = w[plan.residual_col];
  for (int64_t t = 0; t < n; ++t) {
    in[t] = x[t];
    y[t] = wr * x[t];
  }
  for (int64_t l = 0; l < plan.depth; ++l) {
    T* out = buf.row((l + 1) % 2);
    level_forward<T, K, true>(in, h0, h1, plan.kernel_size, int64_t{1} << l, w[plan.hi[l].col], w[plan.lo.col],
                              l + 1 == plan.depth, n, out, y);
    in = out;
  }
}

// dh0[j] += <g_lo shifted by s_j, in>, dh1[j] += wh <gy shifted, in>, and returns dL/dwh = sum_j h1[j] <gy shifted,
// in>; g_in[u] = sum_j h0[j] g_lo[u + s_j] + h1[j] wh gy[u + s_j]. g_lo and gy are zero past n.
template <typename T, int K>
T level_backward(const T* __restrict in, const T* h0, const T* h1, int64_t kernel_size, int64_t d, T wh, int64_t n,
                 const T* __restrict g_lo, const T* __restrict gy, T* __restrict g_in, T* dh0, T* dh1) {
  if constexpr (K > 0) {
    // One pass for g_in and all 2K tap sums, which share its loads of g_lo and gy; their 2K vector accumulators keep
    // the FMA units busy, where one pass per tap with two sums waited on the adds' latency.
    using V = typename Simd<T>::type;
    constexpr int64_t kLanes = Simd<T>::lanes;
    int64_t s[K];
    T c0[K], c1[K], a0[K] = {}, a1[K] = {};
    V v0[K] = {}, v1[K] = {};
    for (int j = 0; j < K; ++j) {
      s[j] = (K - 1 - j) * d;
      c0[j] = h0[j];
      c1[j] = h1[j] * wh;
    }
    int64_t u = 0;
    for (; u + kLanes <= n; u += kLanes) {  // g_in must stay zero past n: the tail is scalar
      const V v = Simd<T>::load(in + u);
      V acc = {};
      for (int j = 0; j < K; ++j) {
        const V lo = Simd<T>::load(g_lo + u + s[j]), hi = Simd<T>::load(gy + u + s[j]);
        acc += c0[j] * lo + c1[j] * hi;
        v0[j] += lo * v;
        v1[j] += hi * v;
      }
      Simd<T>::store(g_in + u, acc);
    }
    for (; u < n; ++u) {
      T acc = 0;
      for (int j = 0; j < K; ++j) {
        const T lo = g_lo[u + s[j]], hi = gy[u + s[j]];
        acc += c0[j] * lo + c1[j] * hi;
        a0[j] += lo * in[u];
        a1[j] += hi * in[u];
      }
      g_in[u] = acc;
    }
    T dwh = 0;
    for (int j = 0; j < K; ++j) {
      const T sum0 = a0[j] + lane_sum<T>(v0[j]), sum1 = a1[j] + lane_sum<T>(v1[j]);
      dh0[j] += sum0;
      dh1[j] += wh * sum1;
      dwh += h1[j] * sum1;
    }
    return dwh;
  } else {  // any other kernel size
    const int64_t k = kernel_size;
    for (int64_t u = 0; u < n; ++u) {
      T acc = 0;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t s = (k - 1 - j) * d;
        acc += h0[j] * g_lo[u + s] + (h1[j] * wh) * gy[u + s];
      }
      g_in[u] = acc;
    }
    T dwh = 0;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t s = (k - 1 - j) * d;
      T a0 = 0, a1 = 0;
#pragma omp simd reduction(+ : a0, a1)
      for (int64_t u = 0; u < n; ++u) {
        a0 += g_lo[u + s] * in[u];
        a1 += gy[u + s] * in[u];
      }
      dh0[j] += a0;
      dh1[j] += wh * a1;
      dwh += h1[j] * a1;
    }
    return dwh;
  }
}

// tree.row(l) holds level l's input (row 0: x, row depth: the final res_lo); grads: rows 0 (gy), 1 and 2 (g_lo).
template <typename T, int K>
void backward_row(const T* x, const T* h0, const T* h1, const T* w, const MixPlan& plan, int64_t n, const T* gy_row,
                  PaddedRows<T>& tree, PaddedRows<T>& grads, T* gx, T* dh0, T* dh1, T* dw) {
  const int64_t depth = plan.depth;
  std::copy(x, x + n, tree.row(0));
  for (int64_t l = 0; l < depth; ++l) {
    level_forward<T, K, false>(tree.row(l), h0, h1, plan.kernel_size, int64_t{1} << l, T(0), T(0), false, n,
                               tree.row(l + 1), nullptr);
  }
  T* gy = grads.row(0);
  T* g_lo = grads.row(1);
  T* g_in = grads.row(2);
  const T wl = w[plan.lo.col];
  for (int64_t t = 0; t < n; ++t) {
    gy[t] = gy_row[t];
    g_lo[t] = wl * gy_row[t];
  }
  dw[plan.residual_col] += dot(gy, x, n);
  dw[plan.lo.col] += dot(gy, tree.row(depth), n);
  for (int64_t l = depth - 1; l >= 0; --l) {
    const LevelMix& mix = plan.hi[l];
    dw[mix.col] += level_backward<T, K>(tree.row(l), h0, h1, plan.kernel_size, int64_t{1} << l, w[mix.col], n, g_lo, gy,
                                        g_in, dh0, dh1);
    std::swap(g_lo, g_in);
  }
  const T wr = w[plan.residual_col];
  for (int64_t t = 0; t < n; ++t) gx[t] = wr * gy[t] + g_lo[t];
}

// Calls f with std::integral_constant<int, K>: K the kernel size where a specialisation exists, else 0.
template <typename F>
void with_kernel_size(int64_t kernel_size, F&& f) {
  switch (kernel_size) {
    case 2:
      f(std::integral_constant<int, 2>{});
      break;
    case 4:
      f(std::integral_constant<int, 4>{});
      break;
    default:
      f(std::integral_constant<int, 0>{});
  }
}

}  // namespace

bool is_fading_plan(const MixPlan& plan) {
  if (plan.lo.width != 1) return false;
  return std::all_of(plan.hi.begin(), plan.hi.end(), [](const LevelMix& m) { return m.width == 1; });
}

void fading_forward(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w,
                    const MixPlan& plan, torch::Tensor& y) {
  TORCH_CHECK(is_fading_plan(plan), "fading_forward needs a plan whose terms have width 1");
  const int64_t channels = x.size(1), n = x.size(2), k = plan.kernel_size, cols = plan.columns();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "multires_conv_fading_forward", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    const scalar_t* h0p = h0.data_ptr<scalar_t>();
    const scalar_t* h1p = h1.data_ptr<scalar_t>();
    const scalar_t* wp = w.data_ptr<scalar_t>();
    scalar_t* yp = y.data_ptr<scalar_t>();
    with_kernel_size(k, [&](auto kc) {
      constexpr int K = decltype(kc)::value;
      at::parallel_for(0, x.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
        PaddedRows<scalar_t> buf(2, max_shift(plan), n);
        for (int64_t row = begin; row < end; ++row) {
          const int64_t c = row % channels;
          forward_row<scalar_t, K>(xp + row * n, h0p + c * k, h1p + c * k, wp + c * cols, plan, n, buf, yp + row * n);
        }
      });
    });
  });
}

void fading_backward(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w,
                     const MixPlan& plan, const torch::Tensor& gy, torch::Tensor& gx, torch::Tensor& dh0,
                     torch::Tensor& dh1, torch::Tensor& dw) {
  TORCH_CHECK(is_fading_plan(plan), "fading_backward needs a plan whose terms have width 1");
  const int64_t channels = x.size(1), n = x.size(2), k = plan.kernel_size, cols = plan.columns();
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "multires_conv_fading_backward", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    const scalar_t* h0p = h0.data_ptr<scalar_t>();
    const scalar_t* h1p = h1.data_ptr<scalar_t>();
    const scalar_t* wp = w.data_ptr<scalar_t>();
    const scalar_t* gyp = gy.data_ptr<scalar_t>();
    scalar_t* gxp = gx.data_ptr<scalar_t>();
    scalar_t* dh0p = dh0.data_ptr<scalar_t>();
    scalar_t* dh1p = dh1.data_ptr<scalar_t>();
    scalar_t* dwp = dw.data_ptr<scalar_t>();
    with_kernel_size(k, [&](auto kc) {
      constexpr int K = decltype(kc)::value;
      at::parallel_for(0, x.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
        PaddedRows<scalar_t> tree(plan.depth + 1, max_shift(plan), n);
        PaddedRows<scalar_t> grads(3, max_shift(plan), n);
        for (int64_t row = begin; row < end; ++row) {
          const int64_t c = row % channels;
          backward_row<scalar_t, K>(xp + row * n, h0p + c * k, h1p + c * k, wp + c * cols, plan, n, gyp + row * n, tree,
                                    grads, gxp + row * n, dh0p + row * k, dh1p + row * k, dwp + row * cols);
        }
      });
    });
  });
}

}  // namespace longconv::nn
