#include "nn/ccnn/kernel_conv.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>

#include "nn/ccnn/depthwise_conv.h"
#include "nn/common/cpu_kernel.h"

namespace longconv::nn {

namespace {

// Smallest n' >= n whose prime factors are 2, 3 and 5 (the sizes pocketfft / cuFFT handle fastest).
int64_t fast_fft_size(int64_t n) {
  for (int64_t m = n;; ++m) {
    int64_t r = m;
    for (int64_t p : {2, 3, 5})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

// Tensor dims 2 .. d + 1: the spatial dims of [B, C, *S].
std::vector<int64_t> spatial_dims(int64_t d) {
  std::vector<int64_t> dims(d);
  for (int64_t i = 0; i < d; ++i) dims[i] = 2 + i;
  return dims;
}

// constant_pad_nd's pad argument (last dim first) for `before` and `after` zeros per spatial dim.
std::vector<int64_t> spatial_pad(const std::vector<int64_t>& before, const std::vector<int64_t>& after) {
  std::vector<int64_t> pad;
  for (int64_t i = static_cast<int64_t>(before.size()) - 1; i >= 0; --i) pad.insert(pad.end(), {before[i], after[i]});
  return pad;
}

// rfftn of x zero-padded to n per spatial dim, `left` zeros first. Only the padding is zeroed: constant_pad_nd fills
// the whole buffer before copying x into it.
torch::Tensor padded_spectrum(const torch::Tensor& x, const std::vector<int64_t>& left, const std::vector<int64_t>& n) {
  const int64_t d = x.dim() - 2;
  auto shape = x.sizes().vec();
  std::copy(n.begin(), n.end(), shape.begin() + 2);
  const auto padded = torch::empty(shape, x.options());
  auto inside = padded;
  for (int64_t i = 0; i < d; ++i) {
    const int64_t size = x.size(2 + i);
    padded.narrow(2 + i, 0, left[i]).zero_();
    padded.narrow(2 + i, left[i] + size, n[i] - left[i] - size).zero_();
    inside = inside.narrow(2 + i, left[i], size);
  }
  inside.copy_(x);
  return torch::fft::rfftn(padded, c10::nullopt, at::IntArrayRef(spatial_dims(d)));
}

// A block of examples [b, b + nb) and channels [c, c + nc) of [B, C, *S]: the depthwise FFT conv's unit of work.
struct Slice {
  int64_t b, nb, c, nc;
  torch::Tensor of(const torch::Tensor& t) const { return t.narrow(0, b, nb).narrow(1, c, nc); }
};

// LibTorch's CPU FFT (pocketfft) transforms on one thread, so on the CPU each of LibTorch's threads takes its own
// examples (or, with fewer examples than threads, its own channels), which also keeps the padded copies and spectra
// per example instead of the whole batch's. Measured here on [2800, 32000]: rfft 590 ms on one call, 300 ms as two
// halves on two threads. Elsewhere (cuFFT) the batch is one transform.
std::vector<Slice> fft_slices(const torch::Tensor& x) {
  const int64_t batch = x.size(0), channels = x.size(1), threads = at::get_num_threads();
  if (!x.device().is_cpu() || threads == 1) return {{0, batch, 0, channels}};
  const int64_t parts = batch >= threads ? 1 : std::min(channels, (threads + batch - 1) / batch);
  std::vector<Slice> slices;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t p = 0; p < parts; ++p) {
      const int64_t c = channels * p / parts;
      slices.push_back({b, 1, c, channels * (p + 1) / parts - c});
    }
  return slices;
}

// f(slice, thread) for every slice, spread over LibTorch's threads; thread indexes per-thread partial sums.
template <typename F>
void for_each_slice(const std::vector<Slice>& slices, const F& f) {
  at::parallel_for(0, static_cast<int64_t>(slices.size()), 1, [&](int64_t begin, int64_t end) {
    torch::NoGradGuard no_grad;  // grad mode is per thread: the autograd Function's guard covers only the calling one
    for (int64_t i = begin; i < end; ++i) f(slices[i], at::get_thread_num());
  });
}

// t narrowed to `size` per spatial dim from `offset`.
torch::Tensor crop(torch::Tensor t, const std::vector<int64_t>& offset, at::IntArrayRef size) {
  for (size_t i = 0; i < offset.size(); ++i) t = t.narrow(2 + i, offset[i], size[2 + i]);
  return t;
}

// acc[j] += sum_e a[e, j] conj(b[e, j]) over a and b [E, *J] and acc [1, *J], all contiguous: the kernel gradient's
// spectrum in one pass (mul_ by a conj() view clones it first: 50 copies of a spectrum per raw-speech step).
void add_products_conj(const torch::Tensor& acc, const torch::Tensor& a, const torch::Tensor& b) {
  if (!acc.device().is_cpu()) {
    acc.add_((a * b.conj()).sum(0, true));
    return;
  }
  TORCH_INTERNAL_ASSERT(acc.is_contiguous() && a.is_contiguous() && b.is_contiguous() && a.sizes() == b.sizes() &&
                        a.numel() == a.size(0) * acc.numel() && a.scalar_type() == acc.scalar_type() &&
                        b.scalar_type() == acc.scalar_type());
  const int64_t count = acc.numel(), examples = a.size(0);
  AT_DISPATCH_FLOATING_TYPES(c10::toRealValueType(acc.scalar_type()), "add_products_conj", [&] {
    auto* out = reinterpret_cast<scalar_t*>(acc.data_ptr());
    for (int64_t e = 0; e < examples; ++e) {
      const auto* x = reinterpret_cast<const scalar_t*>(a.data_ptr()) + 2 * e * count;
      const auto* y = reinterpret_cast<const scalar_t*>(b.data_ptr()) + 2 * e * count;
      for (int64_t j = 0; j < 2 * count; j += 2) {
        out[j] += x[j] * y[j] + x[j + 1] * y[j + 1];
        out[j + 1] += x[j + 1] * y[j] - x[j] * y[j + 1];
      }
    }
  });
}

// Depthwise correlation y = (x left-padded by `left`) * kernel, computed as irfftn(rfftn(x_padded) conj(rfftn(kernel)))
// at lengths n, cropped to x's size. The backward is written out: autograd through rfftn pays a full complex FFT (the
// r2c backward) plus padding copies; here grad_x = irfftn(G rfftn(kernel)) and grad_kernel = irfftn(sum_b conj(G)
// rfftn(x_padded)) with G = rfftn(grad_y), one transform of each slice (fft_slices) each. It keeps x, not its spectrum
// (complex at n >= L + K - 1: twice x's size in 1D, four times in 2D), for the backward and transforms it again there.
class DepthwiseFftConv : public torch::autograd::Function<DepthwiseFftConv> {
 public:
  // bias [C] or empty (apply takes no undefined tensor): added as the output is written, saving a pass over it.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& kernel, const torch::Tensor& bias, const std::vector<int64_t>& left,
                               const std::vector<int64_t>& n) {
    const auto dims = spatial_dims(x.dim() - 2);
    const std::vector<int64_t> origin(dims.size(), 0);
    const auto kf = torch::fft::rfftn(kernel, at::IntArrayRef(n), at::IntArrayRef(dims));
    const auto kf_conj = kf.conj().resolve_conj();  // once: mul_ by a conj() view clones it on every call
    std::vector<int64_t> bias_shape(x.dim(), 1);
    bias_shape[1] = -1;
    const bool with_bias = bias.numel() > 0;
    auto y = torch::empty_like(x, at::MemoryFormat::Contiguous);
    for_each_slice(fft_slices(x), [&](const Slice& s, int64_t) {
      auto ys = s.of(y);
      const auto yf = padded_spectrum(s.of(x), left, n).mul_(kf_conj.narrow(1, s.c, s.nc));
      const auto cropped = crop(torch::fft::irfftn(yf, at::IntArrayRef(n), at::IntArrayRef(dims)), origin, ys.sizes());
      if (with_bias)
        torch::add_out(ys, cropped, bias.narrow(0, s.c, s.nc).view(bias_shape));
      else
        ys.copy_(cropped);
    });
    ctx->save_for_backward({x});
    ctx->saved_data["kf"] = kf;
    ctx->saved_data["left"] = left;
    ctx->saved_data["n"] = n;
    ctx->saved_data["k_sizes"] = kernel.sizes().vec();
    ctx->saved_data["bias"] = with_bias;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto x = ctx->get_saved_variables()[0];
    const auto kf = ctx->saved_data["kf"].toTensor();
    const auto left = ctx->saved_data["left"].toIntVector(), n = ctx->saved_data["n"].toIntVector();
    const auto k_sizes = ctx->saved_data["k_sizes"].toIntVector();
    const auto dims = spatial_dims(static_cast<int64_t>(n.size()));
    const bool want_x = ctx->needs_input_grad(0), want_kernel = ctx->needs_input_grad(1);
    torch::Tensor grad_x = want_x ? torch::empty_like(x, at::MemoryFormat::Contiguous) : torch::Tensor();
    // One partial spectrum sum of the kernel's gradient per thread.
    std::vector<int64_t> partial_shape = kf.sizes().vec();
    partial_shape[0] = want_kernel ? at::get_num_threads() : 0;
    const auto partial = torch::zeros(partial_shape, kf.options());
    for_each_slice(fft_slices(x), [&](const Slice& s, int64_t thread) {
      auto g = torch::fft::rfftn(s.of(grads[0]), at::IntArrayRef(n), at::IntArrayRef(dims));
      if (want_kernel)  // before grad_x: g is multiplied in place there
        add_products_conj(partial.narrow(0, thread, 1).narrow(1, s.c, s.nc), padded_spectrum(s.of(x), left, n), g);
      if (!want_x) return;
      const auto gxs = s.of(grad_x);
      gxs.copy_(crop(torch::fft::irfftn(g.mul_(kf.narrow(1, s.c, s.nc)), at::IntArrayRef(n), at::IntArrayRef(dims)),
                     left, gxs.sizes()));
    });
    torch::Tensor grad_kernel;
    if (want_kernel)
      grad_kernel = crop(torch::fft::irfftn(partial.sum(0, true), at::IntArrayRef(n), at::IntArrayRef(dims)),
                         std::vector<int64_t>(dims.size(), 0), k_sizes);
    torch::Tensor grad_bias;
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) {
      std::vector<int64_t> other_dims{0};
      other_dims.insert(other_dims.end(), dims.begin(), dims.end());
      grad_bias = grads[0].sum(other_dims);
    }
    return {grad_x, grad_kernel, grad_bias, torch::Tensor(), torch::Tensor()};
  }
};

// y [B, C, *S] plus a per-channel bias (none when undefined).
torch::Tensor add_bias(const torch::Tensor& y, const torch::Tensor& bias) {
  if (!bias.defined()) return y;
  std::vector<int64_t> shape{1, -1};
  shape.resize(y.dim(), 1);
  return y + bias.view(shape);
}

// The taps of a dim (k of them, `left` before the output) that fall inside the input for an average output: in 2D
// and 3D nn::depthwise_conv skips the others in every dim but the last (non-causal there, so left = k / 2).
double valid_taps_per_output(int64_t size, int64_t k, int64_t left) {
  int64_t valid = 0;
  for (int64_t s = 0; s < size; ++s)
    valid += std::max<int64_t>(0, std::min(k, left + size - s) - std::max<int64_t>(0, left - s));
  return static_cast<double>(valid) / static_cast<double>(size);
}

}  // namespace

torch::Tensor kernel_conv(const torch::Tensor& x, const torch::Tensor& kernel_in, const torch::Tensor& bias,
                          const KernelConvOptions& o) {
  RECORD_FUNCTION("longconv::kernel_conv", std::vector<c10::IValue>());  // named in op profiles
  const int64_t d = x.dim() - 2;
  TORCH_CHECK(d >= 1 && d <= 3, "kernel_conv expects x [B, C, *S] with 1-3 spatial dims, got ", x.sizes());
  TORCH_CHECK(kernel_in.dim() == x.dim() && kernel_in.size(1) == x.size(1), "kernel_conv: kernel ", kernel_in.sizes(),
              " does not fit input ", x.sizes());
  TORCH_CHECK(!o.causal() || d == 1, "causal convolution is 1D only, got ", d, " spatial dims");
  torch::Tensor kernel = kernel_in;
  if (d == 1 && kernel.size(-1) % 2 == 0) kernel = torch::constant_pad_nd(kernel, {1, 0});
  // Left padding per spatial dim; the output keeps the input's size.
  std::vector<int64_t> left(d), ksize(d), size(d);
  for (int64_t i = 0; i < d; ++i) {
    ksize[i] = kernel.size(2 + i);
    size[i] = x.size(2 + i);
    TORCH_CHECK(ksize[i] % 2 == 1, "centred convolution needs odd kernel sizes, got ", kernel_in.sizes());
    left[i] = o.causal() ? ksize[i] - 1 : ksize[i] / 2;
  }
  const int64_t groups = o.separable() ? x.size(1) : 1;
  if (o.separable()) TORCH_CHECK(kernel.size(0) == 1, "separable kernel must be [1, C, *K], got ", kernel_in.sizes());

  if (!o.fft()) {
    if (o.separable() && has_cpu_kernel(x) && x.scalar_type() == kernel.scalar_type())
      return add_bias(depthwise_conv(x, kernel.squeeze(0), left), bias);
    // Workaround: LibTorch 1.13's float32 CPU MKLDNN convolution backward returns wrong (even non-finite) gradients
    // for the CCNN's small-channel convs (golden ccnn1d_* cases); the native CPU convolution is exact. The switch is
    // process-wide and read again by the backward pass, so it stays off once a direct kernel convolution has run.
    if (x.device().is_cpu()) at::globalContext().setUserEnabledMkldnn(false);
    std::vector<int64_t> right(d);
    for (int64_t i = 0; i < d; ++i) right[i] = ksize[i] - 1 - left[i];
    const auto xp = torch::constant_pad_nd(x, spatial_pad(left, right));
    const auto w = (o.separable() ? kernel.transpose(0, 1) : kernel).contiguous();  // [C, 1, *K] for groups = C
    if (d == 1) return torch::conv1d(xp, w, bias, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, groups);
    if (d == 2) return torch::conv2d(xp, w, bias, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, groups);
    return torch::conv3d(xp, w, bias, at::IntArrayRef{1}, at::IntArrayRef{0}, at::IntArrayRef{1}, groups);
  }

  // FFT: correlation = irfft(rfft(x_padded) * conj(rfft(kernel))), zero-padded to n per dim, then [:S].
  const auto dims = spatial_dims(d);
  // Any length >= L + K - 1 gives the linear correlation, so the fast length serves everywhere except where the
  // reference's odd 1D length changes the result (below). An exact N with a large prime factor is several times slower.
  const bool odd_quirk = o.fft_length() == FftLength::Reference && reference_fft_quirk(x.sizes(), kernel.sizes());
  std::vector<int64_t> n(d);
  for (int64_t i = 0; i < d; ++i) n[i] = odd_quirk ? size[i] + ksize[i] - 1 : fast_fft_size(size[i] + ksize[i] - 1);
  if (o.separable() && !odd_quirk)
    return DepthwiseFftConv::apply(x, kernel, bias.defined() ? bias : torch::empty({0}, x.options()), left, n);
  const auto xf = padded_spectrum(x, left, n);
  const auto kf = torch::fft::rfftn(kernel, at::IntArrayRef(n), at::IntArrayRef(dims)).conj();
  torch::Tensor yf;
  if (o.separable()) {
    yf = xf * kf;
  } else {
    yf = torch::einsum("bi...,oi...->bo...", {xf, kf});
  }
  std::vector<int64_t> out_n = n;
  // Reference quirk (ckconv fftconv1d): irfft is called without n, so an odd N comes back with length N - 1 (the
  // default 2 * (N // 2)); the result is then not the linear correlation. Kept so reference weights give the reference
  // outputs (golden *_oddN cases). In 2D/3D the reference pads the last dim to even, which is exact.
  if (odd_quirk) out_n[0] = n[0] - 1;
  torch::Tensor y = torch::fft::irfftn(yf, at::IntArrayRef(out_n), at::IntArrayRef(dims));
  for (int64_t i = 0; i < d; ++i) y = y.narrow(2 + i, 0, size[i]);
  return add_bias(y, bias);
}

bool reference_fft_quirk(at::IntArrayRef x_sizes, at::IntArrayRef kernel_sizes) {
  if (x_sizes.size() != 3) return false;
  const int64_t k = kernel_sizes.back() + (kernel_sizes.back() % 2 == 0 ? 1 : 0);
  return (x_sizes.back() + k - 1) % 2 == 1;
}

ConvCost kernel_conv_cost(at::IntArrayRef x_sizes, at::IntArrayRef kernel_sizes, bool separable) {
  const int64_t d = static_cast<int64_t>(x_sizes.size()) - 2;
  const double b = static_cast<double>(x_sizes[0]), c = static_cast<double>(x_sizes[1]);
  const double o = separable ? 1.0 : static_cast<double>(kernel_sizes[0]);
  double points = 1, taps = 1, fft_points = 1;
  for (int64_t i = 0; i < d; ++i) {
    const int64_t size = x_sizes[2 + i], k = kernel_sizes[2 + i];
    points *= static_cast<double>(size);
    taps *= separable && i < d - 1 ? valid_taps_per_output(size, k, k / 2) : static_cast<double>(k);
    fft_points *= static_cast<double>(fast_fft_size(size + k - 1));
  }
  const double direct = b * c * o * points * taps;
  // Forward transforms of x and kernel, the product (per output channel when mixing), the inverse transform; an FFT
  // of n points costs about 2.5 n log2 n real multiply-adds.
  const double transform = 2.5 * fft_points * std::log2(std::max(fft_points, 2.0));
  const double outputs = separable ? b * c : b * o;
  const double fft = (b * c + (separable ? c : c * o) + outputs) * transform + b * c * o * fft_points * 2.0;
  // Separable: the depthwise direct kernel (nn/depthwise_conv) keeps its sums in registers while the transforms
  // stream through memory; per multiply-add counted here the FFT path took 3 to 8 times longer (forward + backward,
  // 1 thread, AVX2): at L 784 FFT wins from about 250 taps on. (A 33x33 kernel on 32x32 was a tie before the direct
  // kernel skipped the rows on padding; since, the direct step is 1.6x faster: 1.96 s against 3.09 s, 2026-12-04.)
  constexpr double kSeparableFftTimePerOp = 4.0;
  return {direct, separable ? kSeparableFftTimePerOp * fft : fft};
}

}  // namespace longconv::nn
