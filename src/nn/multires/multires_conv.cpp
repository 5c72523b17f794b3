#include "nn/multires/multires_conv.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include "nn/common/cpu_kernel.h"
#include "nn/multires/multires_conv_fading.h"

namespace longconv::nn {

const EnumNames<TreeSelect> kTreeSelectNames = {{"fading", TreeSelect::Fading}, {"uniform", TreeSelect::Uniform}};

MixPlan make_mix_plan(TreeSelect select, int64_t depth, int64_t kernel_size, int64_t memory_size) {
  TORCH_CHECK(depth >= 1, "MultiresConv depth must be >= 1, got ", depth);
  TORCH_CHECK(kernel_size >= 1, "MultiresConv kernel_size must be >= 1, got ", kernel_size);
  MixPlan plan;
  plan.depth = depth;
  plan.kernel_size = kernel_size;
  plan.hi.resize(depth);
  plan.lo = {0, 1, 1};
  if (select == TreeSelect::Fading) {
    // forward_fading: the level with dilation 2^l uses column depth - l.
    for (int64_t l = 0; l < depth; ++l) plan.hi[l] = {depth - l, 1, 1};
    plan.residual_col = depth + 1;
    return plan;
  }
  TORCH_CHECK(memory_size >= 2, "uniform tree selection needs memory_size >= 2, got ", memory_size);
  // uniform_tree_select walks the levels from the coarsest; the window of a level grows like its receptive field.
  // The coarsest res_hi is read with dilation 1 (the reference overwrites dilation_lst[0]); its window has width 1.
  int64_t latent = 1;
  int64_t width = 1;
  for (int64_t i = 0; i < depth; ++i) {
    if (latent + width > memory_size) width = memory_size - latent;
    const int64_t dilation = i == 0 ? 1 : (int64_t{1} << (depth - i));
    plan.hi[depth - 1 - i] = {latent, width, dilation};
    latent += width;
    if (latent >= memory_size) break;
    width = 2 * (width - 1) + kernel_size;
  }
  plan.residual_col = memory_size;
  return plan;
}

std::vector<MixTerm> mix_terms(const MixPlan& plan) {
  std::vector<MixTerm> terms{{false, 0, {plan.residual_col, 1, 1}}};
  for (int64_t l = 0; l < plan.depth; ++l) {
    if (plan.hi[l].width > 0) terms.push_back({true, l, plan.hi[l]});
  }
  terms.push_back({false, plan.depth, plan.lo});
  return terms;
}

namespace {

void check_inputs(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w,
                  const MixPlan& plan) {
  TORCH_CHECK(x.dim() == 3, "MultiresConv expects x of shape [B, C, L], got ", x.sizes());
  const int64_t c = x.size(1);
  const std::vector<int64_t> filter_shape{c, 1, plan.kernel_size};
  TORCH_CHECK(h0.sizes() == filter_shape, "MultiresConv h0 must have shape ", filter_shape, ", got ", h0.sizes());
  TORCH_CHECK(h1.sizes() == filter_shape, "MultiresConv h1 must have shape ", filter_shape, ", got ", h1.sizes());
  TORCH_CHECK(w.dim() == 2 && w.size(0) == c && w.size(1) == plan.columns(), "MultiresConv w must have shape [", c,
              ", ", plan.columns(), "], got ", w.sizes());
}

// One tree level of one row, both filters in one pass over each tap:
// lo_out[t] = sum_j h0[j] * in[t - (k - 1 - j) * d], hi_out[t] likewise with h1.
template <typename T>
void tree_level(const T* __restrict in, const T* h0, const T* h1, int64_t k, int64_t d, int64_t n, T* __restrict lo_out,
                T* __restrict hi_out) {
  std::fill(lo_out, lo_out + n, T(0));
  std::fill(hi_out, hi_out + n, T(0));
  for (int64_t j = 0; j < k; ++j) {
    const int64_t s = (k - 1 - j) * d;
    const T a = h0[j], b = h1[j];
    for (int64_t t = s; t < n; ++t) {
      const T v = in[t - s];
      lo_out[t] += a * v;
      hi_out[t] += b * v;
    }
  }
}

// Adjoint of tree_level: g_in[u] = sum_j h0[j] g_lo[u + s_j] + h1[j] g_hi[u + s_j]; dh[j] += <g_out, in shifted>.
template <typename T>
void tree_level_backward(const T* __restrict in, const T* h0, const T* h1, int64_t k, int64_t d, int64_t n,
                         const T* __restrict g_lo, const T* __restrict g_hi, T* __restrict g_in, T* dh0, T* dh1) {
  std::fill(g_in, g_in + n, T(0));
  for (int64_t j = 0; j < k; ++j) {
    const int64_t s = (k - 1 - j) * d;
    const T a = h0[j], b = h1[j];
    T acc0 = 0, acc1 = 0;
#pragma omp simd reduction(+ : acc0, acc1)
    for (int64_t t = s; t < n; ++t) {
      const T v = in[t - s];
      g_in[t - s] += a * g_lo[t] + b * g_hi[t];
      acc0 += g_lo[t] * v;
      acc1 += g_hi[t] * v;
    }
    dh0[j] += acc0;
    dh1[j] += acc1;
  }
}

template <typename T>
void mix_add(const T* __restrict coeff, const T* w, const LevelMix& mix, int64_t n, T* __restrict y) {
  for (int64_t j = 0; j < mix.width; ++j) {
    const int64_t s = j * mix.dilation;
    const T wj = w[mix.col + j];
    for (int64_t t = s; t < n; ++t) y[t] += wj * coeff[t - s];
  }
}

template <typename T>
void mix_backward(const T* __restrict coeff, const T* w, const LevelMix& mix, int64_t n, const T* __restrict gy,
                  T* __restrict g_coeff, T* dw) {
  for (int64_t j = 0; j < mix.width; ++j) {
    const int64_t s = j * mix.dilation;
    const T wj = w[mix.col + j];
    T acc = 0;
#pragma omp simd reduction(+ : acc)
    for (int64_t t = s; t < n; ++t) {
      g_coeff[t - s] += wj * gy[t];
      acc += gy[t] * coeff[t - s];
    }
    dw[mix.col + j] += acc;
  }
}

// Per-row scratch: lo[l] (l = 0..depth) are the inputs of each level (lo[0] = x), hi[l] its high-pass outputs.
template <typename T>
struct Tree {
  Tree(int64_t depth, int64_t n) : n(n), lo(static_cast<size_t>((depth + 1) * n)), hi(static_cast<size_t>(depth * n)) {}
  T* lo_level(int64_t l) { return lo.data() + l * n; }
  T* hi_level(int64_t l) { return hi.data() + l * n; }
  int64_t n;
  std::vector<T> lo;
  std::vector<T> hi;
};

template <typename T>
void build_tree(const T* x, const T* h0, const T* h1, const MixPlan& plan, Tree<T>& tree) {
  const int64_t n = tree.n;
  std::copy(x, x + n, tree.lo_level(0));
  for (int64_t l = 0; l < plan.depth; ++l) {
    tree_level(tree.lo_level(l), h0, h1, plan.kernel_size, int64_t{1} << l, n, tree.lo_level(l + 1), tree.hi_level(l));
  }
}

template <typename T>
void forward_rows(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w,
                  const MixPlan& plan, torch::Tensor& y) {
  const int64_t channels = x.size(1), n = x.size(2), k = plan.kernel_size, cols = plan.columns();
  const T* xp = x.data_ptr<T>();
  const T* h0p = h0.data_ptr<T>();
  const T* h1p = h1.data_ptr<T>();
  const T* wp = w.data_ptr<T>();
  T* yp = y.data_ptr<T>();
  const auto terms = mix_terms(plan);
  at::parallel_for(0, x.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
    Tree<T> tree(plan.depth, n);
    for (int64_t row = begin; row < end; ++row) {
      const int64_t c = row % channels;
      const T* wc = wp + c * cols;
      T* yr = yp + row * n;
      build_tree(xp + row * n, h0p + c * k, h1p + c * k, plan, tree);
      std::fill(yr, yr + n, T(0));
      for (const auto& term : terms) {
        mix_add(term.hi ? tree.hi_level(term.level) : tree.lo_level(term.level), wc, term.mix, n, yr);
      }
    }
  });
}

// Gradients per row (the tree is recomputed rather than stored: it is cheap and keeps memory at O(B C L)).
// dh0/dh1/dw are per-row partial sums [B, C, ...], reduced over the batch afterwards, so the result does not depend
// on how rows are split between threads.
template <typename T>
void backward_rows(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1, const torch::Tensor& w,
                   const MixPlan& plan, const torch::Tensor& gy, torch::Tensor& gx, torch::Tensor& dh0,
                   torch::Tensor& dh1, torch::Tensor& dw) {
  const int64_t channels = x.size(1), n = x.size(2), k = plan.kernel_size, cols = plan.columns();
  const T* xp = x.data_ptr<T>();
  const T* h0p = h0.data_ptr<T>();
  const T* h1p = h1.data_ptr<T>();
  const T* wp = w.data_ptr<T>();
  const T* gyp = gy.data_ptr<T>();
  T* gxp = gx.data_ptr<T>();
  T* dh0p = dh0.data_ptr<T>();
  T* dh1p = dh1.data_ptr<T>();
  T* dwp = dw.data_ptr<T>();
  at::parallel_for(0, x.size(0) * channels, 1, [&](int64_t begin, int64_t end) {
    Tree<T> tree(plan.depth, n);
    std::vector<T> g_lo(static_cast<size_t>(n)), g_lo_in(static_cast<size_t>(n)), g_hi(static_cast<size_t>(n));
    for (int64_t row = begin; row < end; ++row) {
      const int64_t c = row % channels;
      const T* wc = wp + c * cols;
      const T* xr = xp + row * n;
      const T* gyr = gyp + row * n;
      T* gxr = gxp + row * n;
      T* dwr = dwp + row * cols;
      T* dh0r = dh0p + row * k;
      T* dh1r = dh1p + row * k;
      build_tree(xr, h0p + c * k, h1p + c * k, plan, tree);

      dwr[plan.residual_col] += dot(gyr, xr, n);
      std::fill(g_lo.begin(), g_lo.end(), T(0));
      mix_backward(tree.lo_level(plan.depth), wc, plan.lo, n, gyr, g_lo.data(), dwr);
      for (int64_t l = plan.depth - 1; l >= 0; --l) {
        std::fill(g_hi.begin(), g_hi.end(), T(0));
        mix_backward(tree.hi_level(l), wc, plan.hi[l], n, gyr, g_hi.data(), dwr);
        tree_level_backward(tree.lo_level(l), h0p + c * k, h1p + c * k, k, int64_t{1} << l, n, g_lo.data(), g_hi.data(),
                            g_lo_in.data(), dh0r, dh1r);
        std::swap(g_lo, g_lo_in);
      }
      for (int64_t t = 0; t < n; ++t) gxr[t] = wc[plan.residual_col] * gyr[t] + g_lo[t];
    }
  });
}

// The plan travels through autograd's saved_data as a flat integer list.
std::vector<int64_t> pack_plan(const MixPlan& plan) {
  std::vector<int64_t> packed{plan.depth,  plan.kernel_size, plan.residual_col,
                              plan.lo.col, plan.lo.width,    plan.lo.dilation};
  for (const auto& m : plan.hi) packed.insert(packed.end(), {m.col, m.width, m.dilation});
  return packed;
}

MixPlan unpack_plan(const std::vector<int64_t>& packed) {
  MixPlan plan;
  plan.depth = packed[0];
  plan.kernel_size = packed[1];
  plan.residual_col = packed[2];
  plan.lo = {packed[3], packed[4], packed[5]};
  for (size_t i = 6; i < packed.size(); i += 3) plan.hi.push_back({packed[i], packed[i + 1], packed[i + 2]});
  return plan;
}

class MultiresConvFunction : public torch::autograd::Function<MultiresConvFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& h0,
                               const torch::Tensor& h1, const torch::Tensor& w, const MixPlan& plan) {
    auto xc = x.contiguous(), h0c = h0.contiguous(), h1c = h1.contiguous(), wc = w.contiguous();
    ctx->save_for_backward({xc, h0c, h1c, wc});
    ctx->saved_data["plan"] = pack_plan(plan);
    auto y = torch::empty_like(xc);
    if (is_fading_plan(plan)) {
      fading_forward(xc, h0c, h1c, wc, plan, y);
    } else {
      AT_DISPATCH_FLOATING_TYPES(xc.scalar_type(), "multires_conv_forward",
                                 [&] { forward_rows<scalar_t>(xc, h0c, h1c, wc, plan, y); });
    }
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const MixPlan plan = unpack_plan(ctx->saved_data["plan"].toIntVector());
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& h0 = saved[1];
    const auto& h1 = saved[2];
    const auto& w = saved[3];
    const auto gy = grads[0].contiguous();
    const int64_t b = x.size(0), c = x.size(1);
    auto gx = torch::empty_like(x);
    auto dh0 = torch::zeros({b, c, plan.kernel_size}, x.options());
    auto dh1 = torch::zeros({b, c, plan.kernel_size}, x.options());
    auto dw = torch::zeros({b, c, plan.columns()}, x.options());
    if (is_fading_plan(plan)) {
      fading_backward(x, h0, h1, w, plan, gy, gx, dh0, dh1, dw);
    } else {
      AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "multires_conv_backward",
                                 [&] { backward_rows<scalar_t>(x, h0, h1, w, plan, gy, gx, dh0, dh1, dw); });
    }
    return {gx, dh0.sum(0).unsqueeze(1), dh1.sum(0).unsqueeze(1), dw.sum(0), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor multires_conv(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1,
                            const torch::Tensor& w, const MixPlan& plan) {
  RECORD_FUNCTION("longconv::multires_conv", std::vector<c10::IValue>());  // named in op profiles
  check_inputs(x, h0, h1, w, plan);
  // The filters too must be CPU tensors of x's dtype: the kernel reads their data directly.
  const bool fused =
      has_cpu_kernel(x) && same_kernel_operand(h0, x) && same_kernel_operand(h1, x) && same_kernel_operand(w, x);
  if (!fused) return multires_conv_aten(x, h0, h1, w, plan);
  return MultiresConvFunction::apply(x, h0, h1, w, plan);
}

torch::Tensor multires_conv_aten(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1,
                                 const torch::Tensor& w, const MixPlan& plan) {
  check_inputs(x, h0, h1, w, plan);
  const int64_t channels = x.size(1);
  auto causal_conv = [&](const torch::Tensor& in, const torch::Tensor& filter, int64_t dilation) {
    const int64_t pad = dilation * (filter.size(-1) - 1);
    return torch::conv1d(torch::constant_pad_nd(in, {pad, 0}), filter, /*bias=*/{}, /*stride=*/at::IntArrayRef{1},
                         /*padding=*/at::IntArrayRef{0}, at::IntArrayRef{dilation}, channels);
  };
  auto mix = [&](const torch::Tensor& coeff, const LevelMix& m) {
    auto window = w.narrow(1, m.col, m.width);
    if (m.width == 1) return coeff * window;
    return causal_conv(coeff, torch::flip(window.unsqueeze(1), {-1}), m.dilation);
  };
  std::vector<torch::Tensor> lo{x}, hi;  // lo[l]: input of level l; hi[l]: its res_hi
  for (int64_t l = 0; l < plan.depth; ++l) {
    const int64_t dilation = int64_t{1} << l;
    hi.push_back(causal_conv(lo.back(), h1, dilation));
    lo.push_back(causal_conv(lo.back(), h0, dilation));
  }
  torch::Tensor y;
  for (const auto& term : mix_terms(plan)) {
    const auto m = mix((term.hi ? hi : lo)[term.level], term.mix);
    y = y.defined() ? y + m : m;
  }
  return y;
}

}  // namespace longconv::nn
