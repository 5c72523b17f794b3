#include "nn/common/glu.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nn/common/cpu_kernel.h"
#include "nn/common/fast_exp.h"

namespace longconv::nn {
namespace {

// 1 / (1 + exp(-v)) from exp(-|v|), which cannot overflow.
inline float sigmoid_of(float v) {
  const float e = exp_of(-std::fabs(v));
  const float r = 1.0f / (1.0f + e);
  return v >= 0.0f ? r : e * r;
}

inline double sigmoid_of(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// x as [outer, 2, inner]: the halves along dim are the blocks [o, 0, :] (values) and [o, 1, :] (gates).
struct Halves {
  int64_t outer = 1, inner = 1;
};

Halves halves_of(const torch::Tensor& x, int64_t dim) {
  Halves h;
  for (int64_t d = 0; d < dim; ++d) h.outer *= x.size(d);
  for (int64_t d = dim + 1; d < x.dim(); ++d) h.inner *= x.size(d);
  h.inner *= x.size(dim) / 2;
  return h;
}

// Calls f(o, offset, length, s) over y's elements in parallel: block o of the halves, from `offset` within it,
// `length` elements, all with the channel scale s.
template <typename T, typename F>
void for_each_piece(const Halves& h, const ChannelScale<T>& scale, const F& f) {
  parallel_runs(h.outer * h.inner, std::gcd(h.inner, scale.row),
                [&](int64_t i, int64_t length) { f(i / h.inner, i % h.inner, length, scale.at(i)); });
}

// y = c a sigmoid(g), c the piece's channel scale.
template <typename T>
void forward_piece(const T* __restrict a, const T* __restrict g, T* __restrict y, int64_t n, T c) {
  for (int64_t i = 0; i < n; ++i) y[i] = c * (a[i] * sigmoid_of(g[i]));
}

template <typename T>
void backward_piece(const T* __restrict gy, const T* __restrict a, const T* __restrict g, T* __restrict da,
                    T* __restrict dg, int64_t n, T c) {
  for (int64_t i = 0; i < n; ++i) {
    const T s = sigmoid_of(g[i]);
    const T gc = c * gy[i];
    da[i] = gc * s;
    dg[i] = gc * a[i] * s * (T(1) - s);
  }
}

std::vector<int64_t> half_sizes(const torch::Tensor& x, int64_t dim) {
  auto sizes = x.sizes().vec();
  sizes[dim] /= 2;
  return sizes;
}

class GluFunction : public torch::autograd::Function<GluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in, int64_t dim,
                               const c10::optional<torch::Tensor>& scale_in) {
    const auto x = x_in.contiguous();
    const auto scale = scale_in ? scale_in->contiguous() : torch::Tensor();
    const Halves h = halves_of(x, dim);
    auto y = torch::empty(half_sizes(x, dim), x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "glu", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      scalar_t* yp = y.data_ptr<scalar_t>();
      for_each_piece(h, channel_scale_of<scalar_t>(scale, y), [&](int64_t o, int64_t offset, int64_t n, scalar_t c) {
        const scalar_t* a = xp + o * 2 * h.inner + offset;
        forward_piece(a, a + h.inner, yp + o * h.inner + offset, n, c);
      });
    });
    ctx->save_for_backward({x, scale});
    ctx->saved_data["dim"] = dim;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &scale = saved[1];
    const Halves h = halves_of(x, ctx->saved_data["dim"].toInt());
    const auto gy = grads[0].contiguous();
    auto dx = torch::empty_like(x);
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "glu_backward", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const scalar_t* gyp = gy.data_ptr<scalar_t>();
      scalar_t* dxp = dx.data_ptr<scalar_t>();
      for_each_piece(h, channel_scale_of<scalar_t>(scale, gy), [&](int64_t o, int64_t offset, int64_t n, scalar_t c) {
        const int64_t at = o * 2 * h.inner + offset;
        backward_piece(gyp + o * h.inner + offset, xp + at, xp + at + h.inner, dxp + at, dxp + at + h.inner, n, c);
      });
    });
    return {dx, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor glu(const torch::Tensor& x, int64_t dim, const torch::Tensor& channel_scale) {
  RECORD_FUNCTION("longconv::glu", std::vector<c10::IValue>());  // named in op profiles
  TORCH_CHECK(x.dim() >= 1, "glu expects a tensor with at least one dimension, got ", x.sizes());
  const int64_t d = c10::maybe_wrap_dim(dim, x.dim());
  TORCH_CHECK(x.size(d) % 2 == 0, "glu halves dim ", dim, ", whose size must be even, got ", x.size(d), " (shape ",
              x.sizes(), ")");
  const bool scaled = check_channel_scale(channel_scale, half_sizes(x, d), "glu");
  if (!has_cpu_kernel(x) || (scaled && !same_kernel_operand(channel_scale, x)))
    return scaled ? torch::glu(x, d) * channel_scale : torch::glu(x, d);
  return GluFunction::apply(x, d, scaled ? c10::optional<torch::Tensor>(channel_scale) : c10::nullopt);
}

}  // namespace longconv::nn
