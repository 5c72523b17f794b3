#include "nn/ccnn/depthwise_conv.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cstring>

namespace longconv::nn {
namespace {

// One (b, c) plane zero-padded to S + K - 1 per dim and flattened. Output s reads the padded plane at flat index
// t(s) + offsets[k] for tap k, so the whole correlation runs over one flat range [0, span) (positions whose index
// runs past S in a non-last dim are computed and dropped by gather).
struct Geometry {
  std::vector<int64_t> size, stride;  // S, and the strides of the padded plane
  std::vector<int64_t> offsets;       // flat offset of every tap, row-major over K
  int64_t plane = 1, padded_plane = 1;
  int64_t span = 0;         // flat index of the last output + 1
  int64_t left_offset = 0;  // flat index of x's first element in the padded plane

  Geometry(at::IntArrayRef x_sizes, at::IntArrayRef k_sizes, const std::vector<int64_t>& left) {
    const int64_t d = static_cast<int64_t>(x_sizes.size()) - 2;
    size.assign(x_sizes.begin() + 2, x_sizes.end());
    stride.assign(d, 1);
    for (int64_t i = d - 1; i >= 0; --i) {
      stride[i] = padded_plane;
      padded_plane *= size[i] + k_sizes[1 + i] - 1;
      plane *= size[i];
      span += (size[i] - 1) * stride[i];
      left_offset += left[i] * stride[i];
    }
    ++span;
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

  // plane[s] = flat[t(s)].
  template <typename T>
  void gather(const T* flat, T* plane_data) const {
    const int64_t n = size.back();
    for_each_row([&](int64_t row, int64_t t) { std::copy_n(flat + t, n, plane_data + row * n); });
  }
};

// A 32-byte SIMD vector of T (GCC/Clang vector extension: one AVX2 register, or two SSE registers). Written out
// because the compilers vectorise the tap loop with gathers instead of the block loop when left to choose.
template <typename T>
struct Simd {
  typedef T type __attribute__((vector_size(32)));
  static constexpr int64_t lanes = 32 / sizeof(T);
  static type load(const T* p) {
    type v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }
  static void store(T* p, const type& v) { std::memcpy(p, &v, sizeof(v)); }
};

// out[t] = sum_k w[k] in[t + offsets[k]] for t in [0, n). A block of eight vectors of outputs stays in registers
// over all taps.
template <typename T>
void correlate(const T* in, const T* w, const std::vector<int64_t>& offsets, T* out, int64_t n) {
  using V = typename Simd<T>::type;
  constexpr int64_t kLanes = Simd<T>::lanes, kRegs = 8, kBlock = kLanes * kRegs;
  const int64_t taps = static_cast<int64_t>(offsets.size());
  int64_t t = 0;
  for (; t + kBlock <= n; t += kBlock) {
    V acc[kRegs] = {};
    for (int64_t k = 0; k < taps; ++k) {
      const V wk = V{} + w[k];
      const T* src = in + t + offsets[k];
      for (int64_t r = 0; r < kRegs; ++r) acc[r] += wk * Simd<T>::load(src + r * kLanes);
    }
    for (int64_t r = 0; r < kRegs; ++r) Simd<T>::store(out + t + r * kLanes, acc[r]);
  }
  for (; t + kLanes <= n; t += kLanes) {
    V acc = {};
    for (int64_t k = 0; k < taps; ++k) acc += (V{} + w[k]) * Simd<T>::load(in + t + offsets[k]);
    Simd<T>::store(out + t, acc);
  }
  for (; t < n; ++t) {
    T acc = 0;
    for (int64_t k = 0; k < taps; ++k) acc += w[k] * in[t + offsets[k]];
    out[t] = acc;
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

// Every (b, c) plane of `in` placed at `base` in a zero buffer of `length`, correlated from `shift` on with its
// channel's taps at `offsets`, and gathered to `in`'s shape: the forward and the grad_x pass.
torch::Tensor correlate_planes(const torch::Tensor& in, const torch::Tensor& kernel, const Geometry& g,
                               const std::vector<int64_t>& offsets, int64_t base, int64_t length, int64_t shift) {
  const int64_t channels = in.size(1), taps = static_cast<int64_t>(offsets.size());
  auto result = torch::empty_like(in);
  AT_DISPATCH_FLOATING_TYPES(in.scalar_type(), "depthwise_conv", [&] {
    const scalar_t* id = in.data_ptr<scalar_t>();
    const scalar_t* wd = kernel.data_ptr<scalar_t>();
    scalar_t* rd = result.data_ptr<scalar_t>();
    at::parallel_for(0, in.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
      std::vector<scalar_t> buffer(static_cast<size_t>(length)), out(static_cast<size_t>(g.span));
      for (int64_t p = begin; p < end; ++p) {
        g.scatter(id + p * g.plane, buffer.data(), base, length);
        correlate(buffer.data() + shift, wd + (p % channels) * taps, offsets, out.data(), g.span);
        g.gather(out.data(), rd + p * g.plane);
      }
    });
  });
  return result;
}

torch::Tensor forward_cpu(const torch::Tensor& x, const torch::Tensor& kernel, const Geometry& g) {
  return correlate_planes(x, kernel, g, g.offsets, g.left_offset, g.padded_plane, 0);
}

// grad_x = the correlation of grad_y with the flipped kernel: grad_y is placed max_offset into a zero buffer, and
// tap k reads it at offset max_offset - offsets[k].
torch::Tensor grad_x_cpu(const torch::Tensor& grad_y, const torch::Tensor& kernel, const Geometry& g) {
  const int64_t max_offset = g.offsets.back();
  std::vector<int64_t> flipped(g.offsets.size());
  for (size_t k = 0; k < flipped.size(); ++k) flipped[k] = max_offset - g.offsets[k];
  return correlate_planes(grad_y, kernel, g, flipped, max_offset, g.span + 2 * max_offset, g.left_offset);
}

// grad_kernel[c, k] = sum_b sum_s grad_y[b, c, s] x_padded[b, c, t(s) + offsets[k]].
torch::Tensor grad_kernel_cpu(const torch::Tensor& grad_y, const torch::Tensor& x, const torch::Tensor& kernel,
                              const Geometry& g) {
  const int64_t batch = x.size(0), channels = x.size(1), taps = static_cast<int64_t>(g.offsets.size());
  auto grad_kernel = torch::empty_like(kernel);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "depthwise_conv_grad_kernel", [&] {
    const scalar_t* gd = grad_y.data_ptr<scalar_t>();
    const scalar_t* xd = x.data_ptr<scalar_t>();
    scalar_t* kd = grad_kernel.data_ptr<scalar_t>();
    at::parallel_for(0, channels, 1, [&](int64_t begin, int64_t end) {
      std::vector<scalar_t> padded(static_cast<size_t>(g.padded_plane)), spread(static_cast<size_t>(g.span));
      std::vector<double> acc(static_cast<size_t>(taps));
      for (int64_t c = begin; c < end; ++c) {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t b = 0; b < batch; ++b) {
          const int64_t p = b * channels + c;
          g.scatter(xd + p * g.plane, padded.data(), g.left_offset, g.padded_plane);
          g.scatter(gd + p * g.plane, spread.data(), 0, g.span);
          tap_dots(spread.data(), padded.data(), g.offsets, g.span, acc.data());
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
    return forward_cpu(x, kernel, Geometry(x.sizes(), kernel.sizes(), left));
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& kernel = saved[1];
    const Geometry g(x.sizes(), kernel.sizes(), ctx->saved_data["left"].toIntVector());
    const auto grad_y = grads[0].contiguous();
    torch::Tensor grad_x, grad_kernel;
    if (ctx->needs_input_grad(0)) grad_x = grad_x_cpu(grad_y, kernel, g);
    if (ctx->needs_input_grad(1)) grad_kernel = grad_kernel_cpu(grad_y, x, kernel, g);
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
