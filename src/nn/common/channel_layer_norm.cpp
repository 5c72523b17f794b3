#include "nn/common/channel_layer_norm.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <cmath>

#include "nn/common/cpu_kernel.h"

namespace longconv::nn {
namespace {

// Positions per tile: a tile's C x kTile values stay in cache across the passes over the channels.
constexpr int64_t kTile = 64;

// [B, C, S] with S the product of the spatial sizes, and its split into tiles of positions.
struct Layout {
  int64_t batch, channels, positions;
  int64_t tiles_per_row() const { return (positions + kTile - 1) / kTile; }
  int64_t tiles() const { return batch * tiles_per_row(); }
  int64_t grain() const { return std::max<int64_t>(1, (int64_t{1} << 15) / (channels * kTile)); }
};

Layout layout_of(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  TORCH_CHECK(x.dim() >= 2, "channel_layer_norm expects x of shape [B, C, *spatial], got ", x.sizes());
  const int64_t c = x.size(1);
  TORCH_CHECK(weight.defined() && bias.defined() && weight.sizes() == torch::IntArrayRef{c} &&
                  bias.sizes() == torch::IntArrayRef{c},
              "channel_layer_norm expects weight and bias of shape [", c, "], got ",
              weight.defined() ? weight.sizes() : torch::IntArrayRef{}, " and ",
              bias.defined() ? bias.sizes() : torch::IntArrayRef{});
  int64_t positions = 1;
  for (int64_t d = 2; d < x.dim(); ++d) positions *= x.size(d);
  return {x.size(0), c, positions};
}

// One tile (row b, positions s0 .. s0 + n) of y = LayerNorm_C(z [+ h]). With h, z + h is written to x_out (the saved
// input, or y itself), which the passes then read; without, they read z.
template <typename T>
void forward_tile(const T* z, const T* h, T* x_out, T* y, const T* w, const T* b, T* mean, T* rstd, int64_t C,
                  int64_t S, int64_t n, T eps) {
  const T* x = z;
  if (h) {
    for (int64_t c = 0; c < C; ++c)
      for (int64_t j = 0; j < n; ++j) x_out[c * S + j] = z[c * S + j] + h[c * S + j];
    x = x_out;
  }
  T m[kTile] = {}, v[kTile] = {};
  for (int64_t c = 0; c < C; ++c)
    for (int64_t j = 0; j < n; ++j) m[j] += x[c * S + j];
  for (int64_t j = 0; j < n; ++j) m[j] /= T(C);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t j = 0; j < n; ++j) {
      const T d = x[c * S + j] - m[j];
      v[j] += d * d;
    }
  for (int64_t j = 0; j < n; ++j) v[j] = T(1) / std::sqrt(v[j] / T(C) + eps);
  for (int64_t c = 0; c < C; ++c) {
    const T wc = w[c], bc = b[c];
    for (int64_t j = 0; j < n; ++j) y[c * S + j] = (x[c * S + j] - m[j]) * v[j] * wc + bc;
  }
  if (mean) {
    for (int64_t j = 0; j < n; ++j) {
      mean[j] = m[j];
      rstd[j] = v[j];
    }
  }
}

// One tile of the input gradient, and the tile's share of the weight and bias gradients (dw, db: [C]).
template <typename T>
void backward_tile(const T* g, const T* x, const T* mean, const T* rstd, const T* w, T* dx, T* dw, T* db, int64_t C,
                   int64_t S, int64_t n) {
  T a[kTile] = {}, p[kTile] = {};
  for (int64_t c = 0; c < C; ++c) {
    const T wc = w[c];
    T sw = 0, sb = 0;
#pragma omp simd reduction(+ : sw, sb)
    for (int64_t j = 0; j < n; ++j) {
      const T xh = (x[c * S + j] - mean[j]) * rstd[j];
      const T gj = g[c * S + j];
      a[j] += gj * wc;
      p[j] += gj * wc * xh;
      sw += gj * xh;
      sb += gj;
    }
    dw[c] = sw;
    db[c] = sb;
  }
  for (int64_t j = 0; j < n; ++j) {
    a[j] /= T(C);
    p[j] /= T(C);
  }
  for (int64_t c = 0; c < C; ++c) {
    const T wc = w[c];
    for (int64_t j = 0; j < n; ++j) {
      const T xh = (x[c * S + j] - mean[j]) * rstd[j];
      dx[c * S + j] = rstd[j] * (g[c * S + j] * wc - a[j] - xh * p[j]);
    }
  }
}

// y = LayerNorm_C(z [+ h]) over every tile. x_out (z + h kept for backward) may alias y or be undefined without h;
// mean and rstd ([B, S]) are written when defined.
void normalize(const Layout& s, const torch::Tensor& z, const torch::Tensor& h, const torch::Tensor& x_out,
               const torch::Tensor& y, const torch::Tensor& w, const torch::Tensor& b, const torch::Tensor& mean,
               const torch::Tensor& rstd, double eps) {
  AT_DISPATCH_FLOATING_TYPES(z.scalar_type(), "channel_layer_norm", [&] {
    const scalar_t* zp = z.data_ptr<scalar_t>();
    const scalar_t* hp = h.defined() ? h.data_ptr<scalar_t>() : nullptr;
    scalar_t* xp = x_out.defined() ? x_out.data_ptr<scalar_t>() : nullptr;
    scalar_t* yp = y.data_ptr<scalar_t>();
    scalar_t* mp = mean.defined() ? mean.data_ptr<scalar_t>() : nullptr;
    scalar_t* rp = rstd.defined() ? rstd.data_ptr<scalar_t>() : nullptr;
    const scalar_t* wp = w.data_ptr<scalar_t>();
    const scalar_t* bp = b.data_ptr<scalar_t>();
    const int64_t C = s.channels, S = s.positions, per_row = s.tiles_per_row();
    at::parallel_for(0, s.tiles(), s.grain(), [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const int64_t row = t / per_row, s0 = (t % per_row) * kTile, n = std::min(kTile, S - s0);
        const int64_t at = row * C * S + s0;
        forward_tile<scalar_t>(zp + at, hp ? hp + at : nullptr, xp ? xp + at : nullptr, yp + at, wp, bp,
                               mp ? mp + row * S + s0 : nullptr, rp ? rp + row * S + s0 : nullptr, C, S, n,
                               static_cast<scalar_t>(eps));
      }
    });
  });
}

// Whether the fused function must record a graph: grad mode on and some input needing a gradient.
bool needs_graph(std::initializer_list<const torch::Tensor*> inputs) {
  if (!torch::GradMode::is_enabled()) return false;
  for (const auto* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

// What a forward computes: y, and with `keep` what backward needs (x = z + h, or z without h; mean, rstd).
struct NormForward {
  torch::Tensor y, x, mean, rstd;
};

// Without `keep`, z + h lands in the output, which the norm then overwrites in place.
NormForward norm_forward(const torch::Tensor& z_in, const torch::Tensor& h_in, const torch::Tensor& w,
                         const torch::Tensor& b, double eps, bool keep) {
  const auto z = z_in.contiguous();
  const auto h = h_in.defined() ? h_in.contiguous() : h_in;
  const Layout s = layout_of(z, w, b);
  NormForward f;
  f.y = torch::empty_like(z);
  if (keep) {
    f.x = h.defined() ? torch::empty_like(z) : z;
    f.mean = torch::empty({s.batch, s.positions}, z.options());
    f.rstd = torch::empty({s.batch, s.positions}, z.options());
  }
  const torch::Tensor sum = h.defined() ? (keep ? f.x : f.y) : torch::Tensor();
  normalize(s, z, h, sum, f.y, w, b, f.mean, f.rstd, eps);
  return f;
}

class ChannelLayerNormFunction : public torch::autograd::Function<ChannelLayerNormFunction> {
 public:
  // No h for a plain norm (autograd takes an optional, not an undefined tensor).
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& z,
                               const c10::optional<torch::Tensor>& h, const torch::Tensor& w_in,
                               const torch::Tensor& b_in, double eps) {
    const auto w = w_in.contiguous();
    const NormForward f = norm_forward(z, h ? *h : torch::Tensor(), w, b_in.contiguous(), eps, /*keep=*/true);
    ctx->save_for_backward({f.x, f.mean, f.rstd, w});
    ctx->saved_data["has_h"] = h.has_value();
    return f.y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &mean = saved[1], &rstd = saved[2], &w = saved[3];
    const auto g = grads[0].contiguous();
    const Layout s = layout_of(x, w, w);
    auto dx = torch::empty_like(x);
    auto dw_tiles = torch::empty({s.tiles(), s.channels}, x.options());
    auto db_tiles = torch::empty({s.tiles(), s.channels}, x.options());
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "channel_layer_norm_backward", [&] {
      const scalar_t* gp = g.data_ptr<scalar_t>();
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const scalar_t* mp = mean.data_ptr<scalar_t>();
      const scalar_t* rp = rstd.data_ptr<scalar_t>();
      const scalar_t* wp = w.data_ptr<scalar_t>();
      scalar_t* dxp = dx.data_ptr<scalar_t>();
      scalar_t* dwp = dw_tiles.data_ptr<scalar_t>();
      scalar_t* dbp = db_tiles.data_ptr<scalar_t>();
      const int64_t C = s.channels, S = s.positions, per_row = s.tiles_per_row();
      at::parallel_for(0, s.tiles(), s.grain(), [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          const int64_t row = t / per_row, s0 = (t % per_row) * kTile, n = std::min(kTile, S - s0);
          const int64_t at = row * C * S + s0;
          backward_tile<scalar_t>(gp + at, xp + at, mp + row * S + s0, rp + row * S + s0, wp, dxp + at, dwp + t * C,
                                  dbp + t * C, C, S, n);
        }
      });
    });
    const bool has_h = ctx->saved_data["has_h"].toBool();
    // Per-tile partial sums in a fixed order: the weight gradients do not depend on the thread count.
    return {dx, has_h ? dx : torch::Tensor(), dw_tiles.sum(0), db_tiles.sum(0), torch::Tensor()};
  }
};

torch::Tensor reference_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                             double eps) {
  const auto t = x.transpose(1, -1);
  return torch::layer_norm(t, {x.size(1)}, weight, bias, eps).transpose(-1, 1);
}

torch::Tensor fused_norm(const torch::Tensor& z, const torch::Tensor& h, const torch::Tensor& weight,
                         const torch::Tensor& bias, double eps) {
  if (needs_graph({&z, &h, &weight, &bias}))
    return ChannelLayerNormFunction::apply(z, h.defined() ? c10::optional<torch::Tensor>(h) : c10::nullopt, weight,
                                           bias, eps);
  return norm_forward(z, h, weight.contiguous(), bias.contiguous(), eps, /*keep=*/false).y;
}

bool use_kernel(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  return has_cpu_kernel(x) && weight.defined() && bias.defined() && same_kernel_operand(weight, x) &&
         same_kernel_operand(bias, x);
}

}  // namespace

torch::Tensor channel_layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                 double eps) {
  RECORD_FUNCTION("longconv::channel_layer_norm", std::vector<c10::IValue>());  // named in op profiles
  if (!use_kernel(x, weight, bias)) return reference_norm(x, weight, bias, eps);
  return fused_norm(x, torch::Tensor(), weight, bias, eps);
}

torch::Tensor add_channel_layer_norm(const torch::Tensor& z, const torch::Tensor& h, const torch::Tensor& weight,
                                     const torch::Tensor& bias, double eps) {
  RECORD_FUNCTION("longconv::add_channel_layer_norm", std::vector<c10::IValue>());
  TORCH_CHECK(z.sizes() == h.sizes(), "add_channel_layer_norm expects z and h of one shape, got ", z.sizes(), " and ",
              h.sizes());
  if (!use_kernel(z, weight, bias) || !same_kernel_operand(h, z)) return reference_norm(z + h, weight, bias, eps);
  return fused_norm(z, h, weight, bias, eps);
}

}  // namespace longconv::nn
