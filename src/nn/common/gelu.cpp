#include "nn/common/gelu.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "nn/common/cpu_kernel.h"
#include "nn/common/fast_exp.h"

namespace longconv::nn {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// erf(a) as a ratio of odd and even polynomials on [-4, 4] (erf is +-1 to float precision beyond).
inline float erf_of(float a) {
  const float lo = a < -4.0f ? -4.0f : a;
  const float x = lo > 4.0f ? 4.0f : lo;
  const float x2 = x * x;
  float p = -2.72614225801306e-10f;
  p = p * x2 + 2.77068142495902e-08f;
  p = p * x2 - 2.10102402082508e-06f;
  p = p * x2 - 5.69250639462346e-05f;
  p = p * x2 - 7.34990630326855e-04f;
  p = p * x2 - 2.95459980854025e-03f;
  p = p * x2 - 1.60960333262415e-02f;
  float q = -1.45660718464996e-05f;
  q = q * x2 - 2.13374055278905e-04f;
  q = q * x2 - 1.68282697438203e-03f;
  q = q * x2 - 7.37332916720468e-03f;
  q = q * x2 - 1.42647390514189e-02f;
  return x * p / q;
}

inline double erf_of(double x) { return std::erf(x); }

template <typename T>
inline T gelu_of(T x) {
  return T(0.5) * x * (T(1) + erf_of(x * T(kInvSqrt2)));
}

// y = s gelu(x) [+ r] over [begin, end), with one channel scale s.
template <typename T>
void gelu_forward_range(const T* __restrict x, const T* __restrict r, T* __restrict y, T s, int64_t begin,
                        int64_t end) {
  if (r) {
    for (int64_t i = begin; i < end; ++i) y[i] = s * gelu_of(x[i]) + r[i];
  } else {
    for (int64_t i = begin; i < end; ++i) y[i] = s * gelu_of(x[i]);
  }
}

template <typename T>
void gelu_backward_range(const T* __restrict g, const T* __restrict x, T* __restrict dx, T s, int64_t begin,
                         int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const T cdf = T(0.5) * (T(1) + erf_of(x[i] * T(kInvSqrt2)));
    const T pdf = T(kInvSqrt2Pi) * exp_of(T(-0.5) * x[i] * x[i]);
    dx[i] = (s * g[i]) * (cdf + x[i] * pdf);
  }
}

class GeluFunction : public torch::autograd::Function<GeluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in,
                               const c10::optional<torch::Tensor>& scale_in,
                               const c10::optional<torch::Tensor>& residual_in) {
    const auto x = x_in.contiguous();
    const auto scale = scale_in ? scale_in->contiguous() : torch::Tensor();
    const auto residual = residual_in ? residual_in->contiguous() : torch::Tensor();
    auto y = torch::empty_like(x);
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gelu", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const scalar_t* rp = residual.defined() ? residual.data_ptr<scalar_t>() : nullptr;
      scalar_t* yp = y.data_ptr<scalar_t>();
      const auto s = channel_scale_of<scalar_t>(scale, y);
      parallel_runs(x.numel(), s.row,
                    [&](int64_t begin, int64_t n) { gelu_forward_range(xp, rp, yp, s.at(begin), begin, begin + n); });
    });
    ctx->save_for_backward({x, scale});
    ctx->saved_data["has_residual"] = residual.defined();
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &scale = saved[1];
    const auto g = grads[0].contiguous();
    auto dx = torch::empty_like(x);
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gelu_backward", [&] {
      const scalar_t* gp = g.data_ptr<scalar_t>();
      const scalar_t* xp = x.data_ptr<scalar_t>();
      scalar_t* dxp = dx.data_ptr<scalar_t>();
      const auto s = channel_scale_of<scalar_t>(scale, x);
      parallel_runs(x.numel(), s.row,
                    [&](int64_t begin, int64_t n) { gelu_backward_range(gp, xp, dxp, s.at(begin), begin, begin + n); });
    });
    return {dx, torch::Tensor(), ctx->saved_data["has_residual"].toBool() ? grads[0] : torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gelu(const torch::Tensor& x, const torch::Tensor& channel_scale, const torch::Tensor& residual) {
  RECORD_FUNCTION("longconv::gelu", std::vector<c10::IValue>());  // named in op profiles
  const bool scaled = check_channel_scale(channel_scale, x.sizes(), "gelu");
  TORCH_CHECK(!residual.defined() || residual.sizes() == x.sizes(), "gelu: a residual for x of shape ", x.sizes(),
              " must have its shape, got ", residual.sizes());
  if (!has_cpu_kernel(x) || (scaled && !same_kernel_operand(channel_scale, x)) ||
      (residual.defined() && !same_kernel_operand(residual, x))) {
    const torch::Tensor y = scaled ? torch::gelu(x) * channel_scale : torch::gelu(x);
    return residual.defined() ? y + residual : y;
  }
  const auto optional = [](const torch::Tensor& t) {
    return t.defined() ? c10::optional<torch::Tensor>(t) : c10::nullopt;
  };
  return GeluFunction::apply(x, optional(channel_scale), optional(residual));
}

}  // namespace longconv::nn
