#include "nn/common/channel_batch_norm.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <cmath>

#include "nn/common/cpu_kernel.h"

namespace longconv::nn {
namespace {

// [B, C, S] with S the product of the spatial sizes. A channel's values are B rows of S, C * S apart.
struct ChannelRows {
  int64_t batch, channels, positions;
  int64_t count() const { return batch * positions; }
  int64_t row(int64_t b, int64_t c) const { return (b * channels + c) * positions; }
};

ChannelRows rows_of(const torch::Tensor& x) {
  int64_t positions = 1;
  for (int64_t d = 2; d < x.dim(); ++d) positions *= x.size(d);
  return {x.size(0), x.size(1), positions};
}

// y = x * a + shift over channel c.
template <typename T>
void affine_channel(const T* x, T* y, const ChannelRows& s, int64_t c, T a, T shift) {
  for (int64_t b = 0; b < s.batch; ++b) {
    const T* xr = x + s.row(b, c);
    T* yr = y + s.row(b, c);
#pragma omp simd
    for (int64_t j = 0; j < s.positions; ++j) yr[j] = xr[j] * a + shift;
  }
}

// The batch's mean and biased variance of channel c, summed in float64: the mean, then the centred squares.
template <typename T>
void channel_moments(const T* x, const ChannelRows& s, int64_t c, double& mean, double& var) {
  double sum = 0;
  for (int64_t b = 0; b < s.batch; ++b) sum += sum_in_double(x + s.row(b, c), s.positions);
  mean = sum / static_cast<double>(s.count());
  double squares = 0;
  for (int64_t b = 0; b < s.batch; ++b) {
    const T* xr = x + s.row(b, c);
#pragma omp simd reduction(+ : squares)
    for (int64_t j = 0; j < s.positions; ++j) {
      const double d = static_cast<double>(xr[j]) - mean;
      squares += d * d;
    }
  }
  var = squares / static_cast<double>(s.count());
}

// Channel c's input gradient, and its weight and bias gradients (dw, db).
template <typename T>
void backward_channel(const T* g, const T* x, T* dx, const ChannelRows& s, int64_t c, T w, double mean, double invstd,
                      double& dw, double& db) {
  double sum_g = 0, sum_gx = 0;
  for (int64_t b = 0; b < s.batch; ++b) {
    const T* gr = g + s.row(b, c);
    const T* xr = x + s.row(b, c);
#pragma omp simd reduction(+ : sum_g, sum_gx)
    for (int64_t j = 0; j < s.positions; ++j) {
      sum_g += static_cast<double>(gr[j]);
      sum_gx += static_cast<double>(gr[j]) * (static_cast<double>(xr[j]) - mean);
    }
  }
  dw = sum_gx * invstd;
  db = sum_g;
  const auto n = static_cast<double>(s.count());
  const auto mean_g = static_cast<T>(sum_g / n), m = static_cast<T>(mean);
  const auto k = static_cast<T>(sum_gx * invstd * invstd / n), scale = static_cast<T>(static_cast<double>(w) * invstd);
  for (int64_t b = 0; b < s.batch; ++b) {
    const T* gr = g + s.row(b, c);
    const T* xr = x + s.row(b, c);
    T* dxr = dx + s.row(b, c);
#pragma omp simd
    for (int64_t j = 0; j < s.positions; ++j) dxr[j] = (gr[j] - mean_g - (xr[j] - m) * k) * scale;
  }
}

// What a training forward computes: y, and the batch's per-channel mean, biased variance and 1/std (float64, [C]).
struct TrainingForward {
  torch::Tensor y, mean, var, invstd;
};

// Each channel's statistics and its normalisation in one task, while its values are in cache.
TrainingForward training_forward(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b, double eps) {
  const ChannelRows s = rows_of(x);
  TORCH_CHECK(s.count() > 1, "BatchNorm: expected more than 1 value per channel when training, got input of shape ",
              x.sizes());
  const auto stats = x.options().dtype(torch::kFloat64);
  TrainingForward f{torch::empty_like(x), torch::empty({s.channels}, stats), torch::empty({s.channels}, stats),
                    torch::empty({s.channels}, stats)};
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "channel_batch_norm", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    const scalar_t* wp = w.data_ptr<scalar_t>();
    const scalar_t* bp = b.data_ptr<scalar_t>();
    scalar_t* yp = f.y.data_ptr<scalar_t>();
    double* mp = f.mean.data_ptr<double>();
    double* vp = f.var.data_ptr<double>();
    double* ip = f.invstd.data_ptr<double>();
    at::parallel_for(0, s.channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        channel_moments(xp, s, c, mp[c], vp[c]);
        ip[c] = 1.0 / std::sqrt(vp[c] + eps);
        const double a = static_cast<double>(wp[c]) * ip[c];
        affine_channel(xp, yp, s, c, static_cast<scalar_t>(a), static_cast<scalar_t>(bp[c] - mp[c] * a));
      }
    });
  });
  return f;
}

// y = x * a + shift per channel, with a and shift from the running statistics.
torch::Tensor eval_forward(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                           const torch::Tensor& running_mean, const torch::Tensor& running_var, double eps) {
  const ChannelRows s = rows_of(x);
  const auto a = (w.to(torch::kFloat64) / (running_var.to(torch::kCPU, torch::kFloat64) + eps).sqrt()).contiguous();
  const auto shift = (b.to(torch::kFloat64) - running_mean.to(torch::kCPU, torch::kFloat64) * a).contiguous();
  auto y = torch::empty_like(x);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "channel_batch_norm_eval", [&] {
    const scalar_t* xp = x.data_ptr<scalar_t>();
    scalar_t* yp = y.data_ptr<scalar_t>();
    const double* ap = a.data_ptr<double>();
    const double* sp = shift.data_ptr<double>();
    at::parallel_for(0, s.channels, 1, [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c)
        affine_channel(xp, yp, s, c, static_cast<scalar_t>(ap[c]), static_cast<scalar_t>(sp[c]));
    });
  });
  return y;
}

class ChannelBatchNormFunction : public torch::autograd::Function<ChannelBatchNormFunction> {
 public:
  // The statistics land in *out for the running averages.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               const torch::Tensor& b, double eps, TrainingForward* out) {
    *out = training_forward(x, w, b, eps);
    ctx->save_for_backward({x, w, out->mean, out->invstd});
    return out->y;
  }

  // dx = w / std * (dy - mean(dy) - x_hat * mean(dy * x_hat)), dw = sum(dy * x_hat), db = sum(dy), per channel.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &w = saved[1], &mean = saved[2], &invstd = saved[3];
    const auto g = grads[0].contiguous();
    const ChannelRows s = rows_of(x);
    auto dx = torch::empty_like(x);
    auto dw = torch::empty({s.channels}, mean.options());
    auto db = torch::empty({s.channels}, mean.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "channel_batch_norm_backward", [&] {
      const scalar_t* gp = g.data_ptr<scalar_t>();
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const scalar_t* wp = w.data_ptr<scalar_t>();
      const double* mp = mean.data_ptr<double>();
      const double* ip = invstd.data_ptr<double>();
      scalar_t* dxp = dx.data_ptr<scalar_t>();
      double* dwp = dw.data_ptr<double>();
      double* dbp = db.data_ptr<double>();
      at::parallel_for(0, s.channels, 1, [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) backward_channel(gp, xp, dxp, s, c, wp[c], mp[c], ip[c], dwp[c], dbp[c]);
      });
    });
    return {dx, dw.to(w.scalar_type()), db.to(w.scalar_type()), torch::Tensor(), torch::Tensor()};
  }
};

bool batch_norm_kernel_applies(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return has_cpu_kernel(x) && x.dim() >= 2 && weight.defined() && bias.defined() && same_kernel_operand(weight, x) &&
         same_kernel_operand(bias, x);
}

bool batch_norm_needs_graph(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad() || bias.requires_grad());
}

}  // namespace

torch::Tensor channel_batch_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                 const torch::Tensor& running_mean, const torch::Tensor& running_var, bool training,
                                 double momentum, double eps) {
  RECORD_FUNCTION("longconv::channel_batch_norm", std::vector<c10::IValue>());  // named in op profiles
  const bool graph = batch_norm_needs_graph(x, weight, bias);
  // torch::batch_norm also says what is wrong with eval mode lacking running statistics.
  const bool eval_kernel = !training && !graph && running_mean.defined() && running_var.defined();
  if (!batch_norm_kernel_applies(x, weight, bias) || (!training && !eval_kernel))
    return torch::batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps,
                             /*cudnn_enabled=*/false);
  TORCH_CHECK(weight.sizes() == torch::IntArrayRef{x.size(1)} && bias.sizes() == torch::IntArrayRef{x.size(1)},
              "BatchNorm: expected weight and bias of shape [", x.size(1), "] for input ", x.sizes(), ", got ",
              weight.sizes(), " and ", bias.sizes());
  const auto xc = x.contiguous(), w = weight.contiguous(), b = bias.contiguous();
  if (!training) return eval_forward(xc, w, b, running_mean, running_var, eps);
  TrainingForward f;
  const torch::Tensor y =
      graph ? ChannelBatchNormFunction::apply(xc, w, b, eps, &f) : (f = training_forward(xc, w, b, eps)).y;
  if (running_mean.defined() && running_var.defined()) {
    torch::NoGradGuard no_grad;
    const double n = static_cast<double>(rows_of(xc).count());
    running_mean.mul_(1 - momentum).add_(f.mean.to(running_mean.options()), momentum);
    running_var.mul_(1 - momentum).add_((f.var * (n / (n - 1))).to(running_var.options()), momentum);
  }
  return y;
}

}  // namespace longconv::nn
