#include "nn/common/glu.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>

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

// Calls f(o, offset, length) over the pieces of [begin, end) of the outer * inner positions, split where a piece
// would cross into the next block.
template <typename F>
void for_each_piece(const Halves& h, F&& f) {
  at::parallel_for(0, h.outer * h.inner, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end;) {
      const int64_t o = i / h.inner, offset = i % h.inner, length = std::min(end - i, h.inner - offset);
      f(o, offset, length);
      i += length;
    }
  });
}

template <typename T>
void forward_piece(const T* __restrict a, const T* __restrict g, T* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = a[i] * sigmoid_of(g[i]);
}

template <typename T>
void backward_piece(const T* __restrict gy, const T* __restrict a, const T* __restrict g, T* __restrict da,
                    T* __restrict dg, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const T s = sigmoid_of(g[i]);
    da[i] = gy[i] * s;
    dg[i] = gy[i] * a[i] * s * (T(1) - s);
  }
}

std::vector<int64_t> half_sizes(const torch::Tensor& x, int64_t dim) {
  auto sizes = x.sizes().vec();
  sizes[dim] /= 2;
  return sizes;
}

class GluFunction : public torch::autograd::Function<GluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in, int64_t dim) {
    const auto x = x_in.contiguous();
    const Halves h = halves_of(x, dim);
    auto y = torch::empty(half_sizes(x, dim), x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "glu", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      scalar_t* yp = y.data_ptr<scalar_t>();
      for_each_piece(h, [&](int64_t o, int64_t offset, int64_t n) {
        const scalar_t* a = xp + o * 2 * h.inner + offset;
        forward_piece(a, a + h.inner, yp + o * h.inner + offset, n);
      });
    });
    ctx->save_for_backward({x});
    ctx->saved_data["dim"] = dim;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto x = ctx->get_saved_variables()[0];
    const Halves h = halves_of(x, ctx->saved_data["dim"].toInt());
    const auto gy = grads[0].contiguous();
    auto dx = torch::empty_like(x);
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "glu_backward", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const scalar_t* gyp = gy.data_ptr<scalar_t>();
      scalar_t* dxp = dx.data_ptr<scalar_t>();
      for_each_piece(h, [&](int64_t o, int64_t offset, int64_t n) {
        const int64_t at = o * 2 * h.inner + offset;
        backward_piece(gyp + o * h.inner + offset, xp + at, xp + at + h.inner, dxp + at, dxp + at + h.inner, n);
      });
    });
    return {dx, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor glu(const torch::Tensor& x, int64_t dim) {
  RECORD_FUNCTION("longconv::glu", std::vector<c10::IValue>());  // named in op profiles
  TORCH_CHECK(x.dim() >= 1, "glu expects a tensor with at least one dimension, got ", x.sizes());
  const int64_t d = c10::maybe_wrap_dim(dim, x.dim());
  TORCH_CHECK(x.size(d) % 2 == 0, "glu halves dim ", dim, ", whose size must be even, got ", x.size(d), " (shape ",
              x.sizes(), ")");
  if (!has_cpu_kernel(x)) return torch::glu(x, d);
  return GluFunction::apply(x, d);
}

}  // namespace longconv::nn
