#include "nn/multires_stream.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

namespace longconv::nn {
namespace {

// Value written `back` steps before position t into a ring of `size` (zero before the sequence starts: such a
// slot has not been written yet).
template <typename T>
T ring_at(const T* ring, int64_t size, int64_t t, int64_t back) {
  return ring[((t - back) % size + size) % size];
}

}  // namespace

MultiresConvStream::MultiresConvStream(MixPlan plan, int64_t batch, int64_t channels, torch::Dtype dtype)
    : plan_(std::move(plan)), batch_(batch), channels_(channels) {
  TORCH_CHECK(batch >= 1 && channels >= 1, "MultiresConvStream needs batch and channels >= 1, got ", batch, " and ",
              channels);
  TORCH_CHECK(plan_.lo.width == 1, "MultiresConvStream expects the final low-pass coefficient read at one position");
  int64_t total = 0;
  lo_.resize(plan_.depth);
  hi_.resize(plan_.depth);
  for (int64_t l = 0; l < plan_.depth; ++l) {
    lo_[l] = {total, (plan_.kernel_size - 1) * (int64_t{1} << l) + 1};
    total += lo_[l].size;
    const LevelMix& mix = plan_.hi[l];
    if (mix.width > 1) {
      hi_[l] = {total, (mix.width - 1) * mix.dilation + 1};
      total += hi_[l].size;
    }
  }
  state_ = torch::zeros({batch * channels, total}, torch::TensorOptions().dtype(dtype));
}

torch::Tensor MultiresConvStream::step(const torch::Tensor& x, const torch::Tensor& h0, const torch::Tensor& h1,
                                       const torch::Tensor& w) {
  TORCH_CHECK(x.dim() == 2 && x.size(0) == batch_ && x.size(1) == channels_, "MultiresConvStream expects x [", batch_,
              ", ", channels_, "], got ", x.sizes());
  TORCH_CHECK(x.device().is_cpu() && x.scalar_type() == state_.scalar_type(),
              "MultiresConvStream runs on the CPU in ", state_.scalar_type(), ", got x on ", x.device(), " in ",
              x.scalar_type());
  const int64_t k = plan_.kernel_size, cols = plan_.columns();
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
  AT_DISPATCH_FLOATING_TYPES(xc.scalar_type(), "multires_conv_stream", [&] {
    const scalar_t* xp = xc.data_ptr<scalar_t>();
    const scalar_t* h0p = h0c.data_ptr<scalar_t>();
    const scalar_t* h1p = h1c.data_ptr<scalar_t>();
    const scalar_t* wp = wc.data_ptr<scalar_t>();
    scalar_t* yp = y.data_ptr<scalar_t>();
    scalar_t* sp = state_.data_ptr<scalar_t>();
    const int64_t stride = state_.size(1);
    at::parallel_for(0, batch_ * channels_, 16, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t c = row % channels_;
        const scalar_t* a = h0p + c * k;
        const scalar_t* b = h1p + c * k;
        const scalar_t* wr = wp + c * cols;
        scalar_t* state = sp + row * stride;
        scalar_t v = xp[row];
        scalar_t out = wr[plan_.residual_col] * v;
        for (int64_t l = 0; l < plan_.depth; ++l) {
          const int64_t dilation = int64_t{1} << l;
          scalar_t* ring = state + lo_[l].offset;
          const int64_t size = lo_[l].size;
          ring[t % size] = v;
          scalar_t lo = 0, hi = 0;
          for (int64_t j = 0; j < k; ++j) {
            const scalar_t past = ring_at(ring, size, t, (k - 1 - j) * dilation);
            lo += a[j] * past;
            hi += b[j] * past;
          }
          const LevelMix& mix = plan_.hi[l];
          if (mix.width == 1) {
            out += wr[mix.col] * hi;
          } else if (mix.width > 1) {
            scalar_t* hring = state + hi_[l].offset;
            const int64_t hsize = hi_[l].size;
            hring[t % hsize] = hi;
            for (int64_t j = 0; j < mix.width; ++j) out += wr[mix.col + j] * ring_at(hring, hsize, t, j * mix.dilation);
          }
          v = lo;
        }
        yp[row] = out + wr[plan_.lo.col] * v;
      }
    });
  });
  ++t_;
  return y;
}

}  // namespace longconv::nn
