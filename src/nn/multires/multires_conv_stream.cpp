#include "nn/multires/multires_conv_stream.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

namespace longconv::nn {
namespace {

// Per-channel parameters [C, n] as [n, C], so the loops over channels read them contiguously.
template <typename T>
std::vector<T> channels_last(const T* p, int64_t channels, int64_t n) {
  std::vector<T> out(static_cast<size_t>(channels * n));
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t j = 0; j < n; ++j) out[j * channels + c] = p[c * n + j];
  }
  return out;
}

// One filter tap over C channels: lo += a * past, hi += b * past (hi may be null: not kept).
template <typename T>
void tap_add(const T* __restrict past, const T* __restrict a, const T* __restrict b, int64_t channels, T* __restrict lo,
             T* __restrict hi) {
  for (int64_t c = 0; c < channels; ++c) lo[c] += a[c] * past[c];
  if (hi) {
    for (int64_t c = 0; c < channels; ++c) hi[c] += b[c] * past[c];
  }
}

template <typename T>
void scale_add(const T* __restrict coeff, const T* __restrict w, int64_t channels, T* __restrict y) {
  for (int64_t c = 0; c < channels; ++c) y[c] += w[c] * coeff[c];
}

}  // namespace

MultiresConvStream::MultiresConvStream(MixPlan plan, int64_t batch, int64_t channels, torch::Dtype dtype)
    : plan_(std::move(plan)), terms_(mix_terms(plan_)), batch_(batch), channels_(channels) {
  TORCH_CHECK(batch >= 1 && channels >= 1, "MultiresConvStream needs batch and channels >= 1, got ", batch, " and ",
              channels);
  int64_t total = 0;
  auto add_ring = [&](int64_t needed) {
    const Ring r{total, needed};
    total += r.size;
    return r;
  };
  lo_.resize(plan_.depth + 1);
  hi_.resize(plan_.depth);
  // Level l's filters read back (kernel_size - 1) * 2^l; the memory reads back (width - 1) * dilation.
  for (int64_t l = 0; l <= plan_.depth; ++l) {
    lo_[l] = add_ring(l < plan_.depth ? (plan_.kernel_size - 1) * (int64_t{1} << l) + 1 : 1);
  }
  for (const auto& term : terms_) {
    const int64_t needed = (term.mix.width - 1) * term.mix.dilation + 1;
    Ring& r = term.hi ? hi_[term.level] : lo_[term.level];
    if (r.size < needed) r = add_ring(needed);
  }
  state_ = torch::zeros({total, batch * channels}, torch::TensorOptions().dtype(dtype));
}

torch::Tensor MultiresConvStream::step(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1,
                                       const torch::Tensor& w) {
  TORCH_CHECK(x.dim() == 2 && x.size(0) == batch_ && x.size(1) == channels_, "MultiresConvStream expects x [", batch_,
              ", ", channels_, "], got ", x.sizes());
  TORCH_CHECK(x.device().is_cpu() && x.scalar_type() == state_.scalar_type(), "MultiresConvStream runs on the CPU in ",
              state_.scalar_type(), ", got x on ", x.device(), " in ", x.scalar_type());
  const int64_t k = plan_.kernel_size, cols = plan_.columns(), channels = channels_, rows = batch_ * channels_;
  const std::vector<int64_t> filter_shape{channels_, 1, k};
  TORCH_CHECK(h0.sizes() == filter_shape && h1.sizes() == filter_shape, "MultiresConvStream h0/h1 must have shape ",
              filter_shape, ", got ", h0.sizes(), " and ", h1.sizes());
  TORCH_CHECK(w.dim() == 2 && w.size(0) == channels_ && w.size(1) == cols, "MultiresConvStream w must have shape [",
              channels_, ", ", cols, "], got ", w.sizes());
  const auto xc = x.contiguous();
  const auto h0c = h0.detach().to(state_.scalar_type()).contiguous();
  const auto h1c = h1.detach().to(state_.scalar_type()).contiguous();
  const auto wc = w.detach().to(state_.scalar_type()).contiguous();
  auto y = torch::empty_like(xc);
  const int64_t t = t_;
  // Slots are the same for every row: level l's taps, then each term's window, in the order the loops read them.
  std::vector<int64_t> taps, reads;
  for (int64_t l = 0; l < plan_.depth; ++l) {
    for (int64_t j = 0; j < k; ++j) taps.push_back(lo_[l].slot(t, (k - 1 - j) * (int64_t{1} << l)));
  }
  for (const auto& term : terms_) {
    for (int64_t j = 0; j < term.mix.width; ++j) reads.push_back(ring(term).slot(t, j * term.mix.dilation));
  }
  AT_DISPATCH_FLOATING_TYPES(xc.scalar_type(), "multires_conv_stream", [&] {
    const scalar_t* xp = xc.data_ptr<scalar_t>();
    const auto h0t = channels_last(h0c.data_ptr<scalar_t>(), channels, k);
    const auto h1t = channels_last(h1c.data_ptr<scalar_t>(), channels, k);
    const auto wt = channels_last(wc.data_ptr<scalar_t>(), channels, cols);
    scalar_t* yp = y.data_ptr<scalar_t>();
    scalar_t* sp = state_.data_ptr<scalar_t>();
    auto slot = [&](int64_t s, int64_t b) { return sp + s * rows + b * channels; };
    // One image's C rows per task; small steps (the usual case) stay on this thread.
    const int64_t grain = std::max<int64_t>(1, at::internal::GRAIN_SIZE / (channels * (plan_.depth + 1) * (2 * k + 1)));
    at::parallel_for(0, batch_, grain, [&](int64_t begin, int64_t end) {
      for (int64_t b = begin; b < end; ++b) {
        std::copy(xp + b * channels, xp + (b + 1) * channels, slot(lo_[0].slot(t, 0), b));
        for (int64_t l = 0; l < plan_.depth; ++l) {
          scalar_t* lo = slot(lo_[l + 1].slot(t, 0), b);
          scalar_t* hi = hi_[l].size > 0 ? slot(hi_[l].slot(t, 0), b) : nullptr;
          std::fill(lo, lo + channels, scalar_t(0));
          if (hi) std::fill(hi, hi + channels, scalar_t(0));
          for (int64_t j = 0; j < k; ++j) {
            tap_add(slot(taps[l * k + j], b), h0t.data() + j * channels, h1t.data() + j * channels, channels, lo, hi);
          }
        }
        scalar_t* yb = yp + b * channels;
        std::fill(yb, yb + channels, scalar_t(0));
        const int64_t* read = reads.data();
        for (const auto& term : terms_) {
          for (int64_t j = 0; j < term.mix.width; ++j, ++read) {
            scale_add(slot(*read, b), wt.data() + (term.mix.col + j) * channels, channels, yb);
          }
        }
      }
    });
  });
  ++t_;
  return y;
}

}  // namespace longconv::nn
