#include "nn/ccnn/depthwise_conv.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cstring>

#include "nn/common/cpu_kernel.h"

namespace longconv::nn {
namespace {

// One (b, c) plane zero-padded to S + K - 1 per dim and flattened: output s reads the padded plane at flat index
// t(s) + offsets[k] for tap k.
struct Geometry {
  std::vector<int64_t> size, stride;  // S, and the strides of the padded plane
  std::vector<int64_t> offsets;       // flat offset of every tap, row-major over K
  int64_t plane = 1, padded_plane = 1;
  int64_t left_offset = 0;  // flat index of x's first element in the padded plane

  Geometry(at::IntArrayRef x_sizes, at::IntArrayRef k_sizes, const std::vector<int64_t>& left) {
    const int64_t d = static_cast<int64_t>(x_sizes.size()) - 2;
    size.assign(x_sizes.begin() + 2, x_sizes.end());
    stride.assign(d, 1);
    for (int64_t i = d - 1; i >= 0; --i) {
      stride[i] = padded_plane;
      padded_plane *= size[i] + k_sizes[1 + i] - 1;
      plane *= size[i];
      left_offset += left[i] * stride[i];
    }
    offsets = {0};
    for (int64_t i = 0; i < d; ++i) {
      std::vector<int64_t> next;
      for (const int64_t o : offsets)
        for (int64_t k = 0; k < k_sizes[1 + i]; ++k) next.push_back(o + k * stride[i]);
      offsets = std::move(next);
    }
  }

  // fn(row, t): the row-th run of S's last dim starts at flat index t of the padded plane.
  template <typename F>
  void for_each_row(F&& fn) const {
    const int64_t d = static_cast<int64_t>(size.size()), rows = plane / size.back();
    for (int64_t row = 0; row < rows; ++row) {
      int64_t t = 0;
      for (int64_t i = d - 2, r = row; i >= 0; --i) {
        t += (r % size[i]) * stride[i];
        r /= size[i];
      }
      fn(row, t);
    }
  }

  // flat[base + t(s)] = plane[s], zero elsewhere in [0, length).
  template <typename T>
  void scatter(const T* plane_data, T* flat, int64_t base, int64_t length) const {
    std::fill(flat, flat + length, T(0));
    const int64_t n = size.back();
    for_each_row([&](int64_t row, int64_t t) { std::copy_n(plane_data + row * n, n, flat + base + t); });
  }
};

// Correlation over a zero-padded plane as rows along the last dim. Output row o (a multi-index over the outer dims
// O) has n values and starts at flat index base(o) = sum_i o_i stride_i of the padded buffer; tap (q, kj) (q over
// the outer dims Q, kj < m) adds w[q, kj] buf[base(o) + sum_i q_i stride_i + kj + j] to output j. Tap row q reads
// data only where lo_i <= o_i + q_i < hi_i (elsewhere the padding's zeros), so a block of output rows runs over
// the union of its rows' valid tap rows only: with a 33x33 kernel on 32x32 images that skips 45% of the tap rows.
struct RowCorrelation {
  std::vector<int64_t> out_outer, tap_outer, stride, lo, hi;
  int64_t n = 0, m = 0;

  int64_t rows() const {
    int64_t r = 1;
    for (const int64_t o : out_outer) r *= o;
    return r;
  }
  // Row `row`'s multi-index over out_outer, row-major.
  std::vector<int64_t> index(int64_t row) const {
    std::vector<int64_t> o(out_outer.size());
    for (int64_t i = static_cast<int64_t>(o.size()) - 1; i >= 0; --i) {
      o[i] = row % out_outer[i];
      row /= out_outer[i];
    }
    return o;
  }
  int64_t base(const std::vector<int64_t>& o) const {
    int64_t b = 0;
    for (size_t i = 0; i < o.size(); ++i) b += o[i] * stride[i];
    return b;
  }
  // The tap rows valid for any of rows [first, last]: their flat indices into w's rows and buffer offsets.
  void taps_for(int64_t first, int64_t last, std::vector<int64_t>& tap_rows, std::vector<int64_t>& offsets) const {
    const size_t d = out_outer.size();
    std::vector<int64_t> from(d), to(d);
    for (size_t i = 0; i < d; ++i) {
      from[i] = tap_outer[i];
      to[i] = 0;
    }
    for (int64_t row = first; row <= last; ++row) {
      const auto o = index(row);
      for (size_t i = 0; i < d; ++i) {
        from[i] = std::min(from[i], std::max<int64_t>(0, lo[i] - o[i]));
        to[i] = std::max(to[i], std::min(tap_outer[i], hi[i] - o[i]));
      }
    }
    tap_rows.clear();
    offsets.clear();
    for (size_t i = 0; i < d; ++i)
      if (from[i] >= to[i]) return;
    std::vector<int64_t> q = from;
    while (true) {
      int64_t flat = 0;
      for (size_t i = 0; i < d; ++i) flat = flat * tap_outer[i] + q[i];
      tap_rows.push_back(flat);
      offsets.push_back(base(q));
      size_t i = d;
      while (i > 0 && ++q[i - 1] == to[i - 1]) {
        q[i - 1] = from[i - 1];
        --i;
      }
      if (i == 0) return;
    }
  }
};

// R output rows of V vectors each (from src[r], to dst[r], n_valid values a row) over the given tap rows, their
// R x V sums in registers.
template <typename T, int R, int V>
void correlate_block(const T* const* src, T* const* dst, int64_t n_valid, const T* w, int64_t m,
                     const std::vector<int64_t>& tap_rows, const std::vector<int64_t>& offsets) {
  using Vec = typename Simd<T>::type;
  constexpr int64_t kLanes = Simd<T>::lanes;
  Vec acc[R][V] = {};
  for (size_t t = 0; t < tap_rows.size(); ++t) {
    const T* wr = w + tap_rows[t] * m;
    for (int64_t kj = 0; kj < m; ++kj) {
      const Vec wv = Vec{} + wr[kj];
      for (int r = 0; r < R; ++r) {
        const T* p = src[r] + offsets[t] + kj;
        for (int v = 0; v < V; ++v) acc[r][v] += wv * Simd<T>::load(p + v * kLanes);
      }
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) {
      const int64_t at = v * kLanes, count = std::min<int64_t>(kLanes, n_valid - at);
      if (count == kLanes) {
        Simd<T>::store(dst[r] + at, acc[r][v]);
      } else if (count > 0) {
        T lanes[kLanes];
        Simd<T>::store(lanes, acc[r][v]);
        std::copy_n(lanes, count, dst[r] + at);
      }
    }
}

template <typename T>
using BlockFn = void (*)(const T* const*, T* const*, int64_t, const T*, int64_t, const std::vector<int64_t>&,
                         const std::vector<int64_t>&);

// Blocks of at most 8 vector registers: R rows of V vectors.
template <typename T>
BlockFn<T> block_fn(int rows, int vectors) {
  if (rows == 8) return correlate_block<T, 8, 1>;
  if (rows == 4) return correlate_block<T, 4, 2>;
  if (rows == 2) return vectors == 4 ? correlate_block<T, 2, 4> : correlate_block<T, 2, 3>;
  switch (vectors) {
    case 1:
      return correlate_block<T, 1, 1>;
    case 2:
      return correlate_block<T, 1, 2>;
    case 3:
      return correlate_block<T, 1, 3>;
    case 4:
      return correlate_block<T, 1, 4>;
    case 5:
      return correlate_block<T, 1, 5>;
    case 6:
      return correlate_block<T, 1, 6>;
    case 7:
      return correlate_block<T, 1, 7>;
    default:
      return correlate_block<T, 1, 8>;
  }
}

// out (rows x n, dense) = the correlation of the padded plane buf with w (tap rows x m, dense). buf has
// Simd<T>::lanes zeros of slack past the plane: a row's last vector may read past its end.
template <typename T>
void correlate_rows(const RowCorrelation& rc, const T* buf, const T* w, T* out) {
  constexpr int64_t kLanes = Simd<T>::lanes, kRegs = 8;
  const int64_t vectors = (rc.n + kLanes - 1) / kLanes, rows = rc.rows();
  // Short rows share each tap's broadcast between several rows; long rows are cut into chunks of 8 vectors.
  const int64_t per_block = vectors >= 5 ? 1 : kRegs / vectors;
  std::vector<int64_t> tap_rows, offsets;
  for (int64_t first = 0; first < rows; first += per_block) {
    const int64_t count = std::min(per_block, rows - first);
    rc.taps_for(first, first + count - 1, tap_rows, offsets);
    if (count < per_block) {  // the last rows one at a time
      for (int64_t row = first; row < rows; ++row) {
        const T* src = buf + rc.base(rc.index(row));
        T* dst = out + row * rc.n;
        rc.taps_for(row, row, tap_rows, offsets);
        block_fn<T>(1, static_cast<int>(vectors))(&src, &dst, rc.n, w, rc.m, tap_rows, offsets);
      }
      break;
    }
    const T* src[kRegs];
    T* dst[kRegs];
    for (int64_t r = 0; r < count; ++r) {
      src[r] = buf + rc.base(rc.index(first + r));
      dst[r] = out + (first + r) * rc.n;
    }
    if (per_block > 1) {
      block_fn<T>(static_cast<int>(per_block), static_cast<int>(vectors))(src, dst, rc.n, w, rc.m, tap_rows, offsets);
      continue;
    }
    for (int64_t v0 = 0; v0 < vectors; v0 += kRegs) {  // one row, in chunks
      const T* s = src[0] + v0 * kLanes;
      T* o = dst[0] + v0 * kLanes;
      const int64_t chunk = std::min(kRegs, vectors - v0);
      block_fn<T>(1, static_cast<int>(chunk))(&s, &o, rc.n - v0 * kLanes, w, rc.m, tap_rows, offsets);
    }
  }
}

// acc[k] += sum_t g[t] in[t + offsets[k]] over t in [0, n), four taps at a time sharing the loads of g.
template <typename T>
void tap_dots(const T* g, const T* in, const std::vector<int64_t>& offsets, int64_t n, double* acc) {
  using V = typename Simd<T>::type;
  constexpr int64_t kLanes = Simd<T>::lanes, kTaps = 4;
  const int64_t taps = static_cast<int64_t>(offsets.size());
  const auto finish = [&](const V& part, int64_t k, int64_t from) {
    double sum = 0;
    for (int64_t u = 0; u < kLanes; ++u) sum += static_cast<double>(part[u]);
    for (int64_t t = from; t < n; ++t) sum += static_cast<double>(g[t]) * static_cast<double>(in[t + offsets[k]]);
    acc[k] += sum;
  };
  int64_t k = 0;
  for (; k + kTaps <= taps; k += kTaps) {
    V part[kTaps] = {};
    int64_t t = 0;
    for (; t + kLanes <= n; t += kLanes) {
      const V gv = Simd<T>::load(g + t);
      for (int64_t j = 0; j < kTaps; ++j) part[j] += gv * Simd<T>::load(in + t + offsets[k + j]);
    }
    for (int64_t j = 0; j < kTaps; ++j) finish(part[j], k + j, t);
  }
  for (; k < taps; ++k) {
    V part = {};
    int64_t t = 0;
    for (; t + kLanes <= n; t += kLanes) part += Simd<T>::load(g + t) * Simd<T>::load(in + t + offsets[k]);
    finish(part, k, t);
  }
}

// The rows of a correlation over g's padded plane: outputs over `out` (sizes) and taps over `taps` (sizes), both of
// the plane's dims, with data in rows [left, left + S) of each outer dim.
RowCorrelation rows_of(const Geometry& g, const std::vector<int64_t>& out, const std::vector<int64_t>& taps,
                       const std::vector<int64_t>& left) {
  const size_t outer = g.size.size() - 1;
  RowCorrelation rc;
  rc.out_outer.assign(out.begin(), out.begin() + outer);
  rc.tap_outer.assign(taps.begin(), taps.begin() + outer);
  rc.stride.assign(g.stride.begin(), g.stride.begin() + outer);
  rc.lo.assign(left.begin(), left.begin() + outer);
  for (size_t i = 0; i < outer; ++i) rc.hi.push_back(left[i] + g.size[i]);
  rc.n = out.back();
  rc.m = taps.back();
  return rc;
}

std::vector<int64_t> spatial(at::IntArrayRef sizes, int64_t from) { return {sizes.begin() + from, sizes.end()}; }

// y: every (b, c) plane of x zero-padded (at `left`) and correlated with its channel's kernel.
torch::Tensor forward_cpu(const torch::Tensor& x, const torch::Tensor& kernel, const std::vector<int64_t>& left) {
  const Geometry g(x.sizes(), kernel.sizes(), left);
  const auto rc = rows_of(g, g.size, spatial(kernel.sizes(), 1), left);
  const int64_t channels = x.size(1), taps = kernel.numel() / channels;
  auto y = torch::empty_like(x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "depthwise_conv", [&] {
    const scalar_t* xd = x.data_ptr<scalar_t>();
    const scalar_t* kd = kernel.data_ptr<scalar_t>();
    scalar_t* yd = y.data_ptr<scalar_t>();
    at::parallel_for(0, x.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
      std::vector<scalar_t> buffer(static_cast<size_t>(g.padded_plane + Simd<scalar_t>::lanes));
      for (int64_t p = begin; p < end; ++p) {
        g.scatter(xd + p * g.plane, buffer.data(), g.left_offset, g.padded_plane);
        correlate_rows(rc, buffer.data(), kd + (p % channels) * taps, yd + p * g.plane);
      }
    });
  });
  return y;
}

// grad_x = the correlation of grad_y with the kernel flipped in every spatial dim, padded K - 1 - left before.
torch::Tensor grad_x_cpu(const torch::Tensor& grad_y, const torch::Tensor& kernel, const std::vector<int64_t>& left) {
  std::vector<int64_t> dims, flipped_left;
  for (size_t i = 0; i < left.size(); ++i) {
    dims.push_back(static_cast<int64_t>(i) + 1);
    flipped_left.push_back(kernel.size(static_cast<int64_t>(i) + 1) - 1 - left[i]);
  }
  return forward_cpu(grad_y, kernel.flip(dims).contiguous(), flipped_left);
}

// grad_kernel[c, k] = sum_b sum_s grad_y[b, c, s] x_padded[b, c, t(s) + offsets[k]]. In one dim as dot products
// along the sequence, four taps at a time; in two and three as a correlation of x_padded with grad_y whose outputs
// are the taps, over the valid rows only. Summed over the batch in float64.
torch::Tensor grad_kernel_cpu(const torch::Tensor& grad_y, const torch::Tensor& x, const torch::Tensor& kernel,
                              const std::vector<int64_t>& left) {
  const Geometry g(x.sizes(), kernel.sizes(), left);
  const int64_t batch = x.size(0), channels = x.size(1), taps = static_cast<int64_t>(g.offsets.size());
  const bool rows = x.dim() > 3;
  const auto rc = rows_of(g, spatial(kernel.sizes(), 1), g.size, left);
  auto grad_kernel = torch::empty_like(kernel);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "depthwise_conv_grad_kernel", [&] {
    const scalar_t* gd = grad_y.data_ptr<scalar_t>();
    const scalar_t* xd = x.data_ptr<scalar_t>();
    scalar_t* kd = grad_kernel.data_ptr<scalar_t>();
    at::parallel_for(0, channels, 1, [&](int64_t begin, int64_t end) {
      std::vector<scalar_t> padded(static_cast<size_t>(g.padded_plane + Simd<scalar_t>::lanes));
      std::vector<scalar_t> part(static_cast<size_t>(taps));
      std::vector<double> acc(static_cast<size_t>(taps));
      for (int64_t c = begin; c < end; ++c) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t b = 0; b < batch; ++b) {
          const int64_t p = b * channels + c;
          g.scatter(xd + p * g.plane, padded.data(), g.left_offset, g.padded_plane);
          if (!rows) {
            tap_dots(gd + p * g.plane, padded.data(), g.offsets, g.plane, acc.data());
            continue;
          }
          correlate_rows(rc, padded.data(), gd + p * g.plane, part.data());
          for (int64_t k = 0; k < taps; ++k)
            acc[static_cast<size_t>(k)] += static_cast<double>(part[static_cast<size_t>(k)]);
        }
        for (int64_t k = 0; k < taps; ++k) kd[c * taps + k] = static_cast<scalar_t>(acc[static_cast<size_t>(k)]);
      }
    });
  });
  return grad_kernel;
}

class DepthwiseConv : public torch::autograd::Function<DepthwiseConv> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& kernel, const std::vector<int64_t>& left) {
    ctx->save_for_backward({x, kernel});
    ctx->saved_data["left"] = left;
    return forward_cpu(x, kernel, left);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& kernel = saved[1];
    const auto left = ctx->saved_data["left"].toIntVector();
    const auto grad_y = grads[0].contiguous();
    torch::Tensor grad_x, grad_kernel;
    if (ctx->needs_input_grad(0)) grad_x = grad_x_cpu(grad_y, kernel, left);
    if (ctx->needs_input_grad(1)) grad_kernel = grad_kernel_cpu(grad_y, x, kernel, left);
    return {grad_x, grad_kernel, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor depthwise_conv(const torch::Tensor& x, const torch::Tensor& kernel, const std::vector<int64_t>& left) {
  RECORD_FUNCTION("longconv::depthwise_conv", std::vector<c10::IValue>());  // named in op profiles
  const int64_t d = x.dim() - 2;
  TORCH_CHECK(d >= 1 && d <= 3, "depthwise_conv expects x [B, C, *S] with 1-3 spatial dims, got ", x.sizes());
  TORCH_CHECK(kernel.dim() == d + 1 && kernel.size(0) == x.size(1), "depthwise_conv: kernel ", kernel.sizes(),
              " is not [C, *K] for input ", x.sizes());
  TORCH_CHECK(x.device().is_cpu() && kernel.device().is_cpu(), "depthwise_conv runs on the CPU, got ", x.device());
  TORCH_CHECK(x.scalar_type() == kernel.scalar_type() &&
                  (x.scalar_type() == torch::kFloat || x.scalar_type() == torch::kDouble),
              "depthwise_conv needs float32 or float64 x and kernel of one dtype, got ", x.scalar_type(), " and ",
              kernel.scalar_type());
  TORCH_CHECK(static_cast<int64_t>(left.size()) == d, "depthwise_conv: ", left.size(), " left pads for ", d, " dims");
  for (int64_t i = 0; i < d; ++i) {
    TORCH_CHECK(x.size(2 + i) > 0 && kernel.size(1 + i) > 0, "depthwise_conv: empty spatial dim in x ", x.sizes(),
                " or kernel ", kernel.sizes());
    TORCH_CHECK(left[i] >= 0 && left[i] < kernel.size(1 + i), "depthwise_conv: left pad ", left[i], " of dim ", i,
                " is outside [0, ", kernel.size(1 + i), ")");
  }
  return DepthwiseConv::apply(x.contiguous(), kernel.contiguous(), left);
}

}  // namespace longconv::nn
