#include "nn/common/pointwise_linear.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>

#include "nn/common/cpu_kernel.h"
#include "util/runtime.h"

namespace longconv::nn {
namespace {

// y[o, :] = bias[o] for the rows of one example's output: addmm would broadcast-copy the bias column through
// TensorIterator first, at a quarter of this loop's speed (MultiresNet's small step made 160 such copies).
template <typename T>
void fill_rows(T* y, const T* bias, int64_t rows, int64_t n) {
  for (int64_t o = 0; o < rows; ++o) std::fill_n(y + o * n, n, bias[o]);
}

// acc[o] += sum_j g[o, j] in float64, over one example's gradient while it is in cache from its GEMMs (instead of
// another pass over the whole gradient for the bias).
template <typename T>
void add_row_sums(const T* g, double* acc, int64_t rows, int64_t n) {
  for (int64_t o = 0; o < rows; ++o) acc[o] += sum_in_double(g + o * n, n);
}

// y[b] = W x[b] (+ bias) on the CPU as one single-threaded GEMM per example, the examples spread over LibTorch's
// threads; the backward the same way (grad_x[b] = W^T g[b]; grad_W = sum_b g[b] x[b]^T, one partial sum per thread).
// Measured on the sMNIST CCNN's [100, 140, 784] with 140 -> 140 channels, forward + backward: 161 ms through
// baddbmm (OpenBLAS splits each small GEMM over its own threads), 60 ms here.
class BatchedPointwise : public torch::autograd::Function<BatchedPointwise> {
 public:
  // x [B, in, S], weight [out, in, 1, ...], bias [out] or empty (apply takes no undefined tensor).
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    const auto x = x_in.contiguous();
    const auto w = weight.flatten(1);
    const int64_t out = w.size(0), n = x.size(2);
    auto y = torch::empty({x.size(0), out, n}, x.options());
    const bool with_bias = bias.numel() > 0;
    const auto b_values = with_bias ? bias.contiguous() : torch::Tensor();
    {
      SingleThreadedBlas single;
      at::parallel_for(0, x.size(0), 1, [&](int64_t begin, int64_t end) {
        torch::NoGradGuard no_grad;  // grad mode is per thread: the forward's guard covers only the calling one
        for (int64_t b = begin; b < end; ++b) {
          auto yb = y.select(0, b);
          if (!with_bias) {
            torch::mm_out(yb, w, x.select(0, b));
            continue;
          }
          AT_DISPATCH_FLOATING_TYPES(y.scalar_type(), "pointwise_bias", [&] {
            fill_rows(yb.data_ptr<scalar_t>(), b_values.data_ptr<scalar_t>(), out, n);
          });
          yb.addmm_(w, x.select(0, b));
        }
      });
    }
    ctx->save_for_backward({x, weight});
    ctx->saved_data["bias"] = with_bias;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &weight = saved[1];
    const auto g = grads[0].contiguous();
    const auto wt = weight.flatten(1).t();
    const int64_t batch = x.size(0);
    const bool with_bias = ctx->saved_data["bias"].toBool();
    const int64_t out = g.size(1), n = g.size(2), threads = at::get_num_threads();
    auto grad_x = torch::empty_like(x);
    auto partial = torch::zeros({threads, wt.size(1), wt.size(0)}, x.options());
    auto bias_partial = torch::zeros({with_bias ? threads : 0, out}, x.options().dtype(torch::kFloat64));
    {
      SingleThreadedBlas single;
      at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
        torch::NoGradGuard no_grad;
        const int64_t thread = at::get_thread_num();
        auto grad_w = partial.select(0, thread);
        for (int64_t b = begin; b < end; ++b) {
          auto gxb = grad_x.select(0, b);
          const auto gb = g.select(0, b);
          torch::mm_out(gxb, wt, gb);
          grad_w.addmm_(gb, x.select(0, b).t());
          if (!with_bias) continue;
          AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "pointwise_bias_grad", [&] {
            add_row_sums(gb.data_ptr<scalar_t>(), bias_partial.data_ptr<double>() + thread * out, out, n);
          });
        }
      });
    }
    const auto grad_bias = with_bias ? bias_partial.sum(0).to(g.scalar_type()) : torch::Tensor();
    return {grad_x, partial.sum(0).view(weight.sizes()), grad_bias};
  }
};

// The CPU kernels read the parameters' memory directly, so a parameter on another device or in another dtype must stop
// here rather than be read as host memory of x's type.
void check_operand(const char* name, const torch::Tensor& t, const torch::Tensor& x) {
  TORCH_CHECK(t.device() == x.device() && t.scalar_type() == x.scalar_type(), "PointwiseLinear ", name, " is ",
              t.scalar_type(), " on ", t.device(), " but the input is ", x.scalar_type(), " on ", x.device(),
              ": move the layer to the input's device and dtype");
}

}  // namespace

PointwiseLinearImpl::PointwiseLinearImpl(int64_t in_channels, int64_t out_channels, int64_t data_dim, bool with_bias) {
  TORCH_CHECK(in_channels >= 1 && out_channels >= 1, "PointwiseLinear needs channels >= 1, got ", in_channels, " -> ",
              out_channels);
  TORCH_CHECK(data_dim >= 1 && data_dim <= 3, "PointwiseLinear data_dim must be 1, 2 or 3, got ", data_dim);
  std::vector<int64_t> shape{out_channels, in_channels};
  shape.resize(2 + data_dim, 1);
  weight = register_parameter("weight", torch::empty(shape));
  // torch.nn.ConvNd.reset_parameters: same draws in the same order.
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (with_bias) {
    bias = register_parameter("bias", torch::empty({out_channels}));
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_channels));
    bias.uniform_(-bound, bound);
  }
}

torch::Tensor PointwiseLinearImpl::forward(const torch::Tensor& x) {
  RECORD_FUNCTION("longconv::pointwise_linear", std::vector<c10::IValue>());  // named in op profiles
  TORCH_CHECK(x.dim() == weight.dim() && x.size(1) == weight.size(1), "PointwiseLinear expects [B, ", weight.size(1),
              ", ...] with ", weight.dim() - 2, " spatial dims, got ", x.sizes());
  check_operand("weight", weight, x);
  if (bias.defined()) check_operand("bias", bias, x);
  const auto flat = x.flatten(2);  // [B, in, S]
  auto shape = x.sizes().vec();
  shape[1] = weight.size(0);
  // With fewer examples than threads (a kernel net's one grid, a batch of 1) OpenBLAS's own threads serve better.
  if (has_cpu_kernel(x) && flat.size(0) >= at::get_num_threads())
    return BatchedPointwise::apply(flat, weight, bias.defined() ? bias : torch::empty({0}, weight.options()))
        .view(shape);
  // One [out, in] x [in, S] product per example, written contiguously: torch::matmul folds this case through
  // transposes, copies, and returns a strided result that every later elementwise op then walks (measured here on
  // [140, 140] x [100, 140, 784]: 145 ms for matmul, 45 ms for bmm).
  const auto w = weight.flatten(1).expand({flat.size(0), -1, -1});
  torch::Tensor y = bias.defined() ? torch::baddbmm(bias.view({1, -1, 1}), w, flat) : torch::bmm(w, flat);
  return y.view(shape);
}

}  // namespace longconv::nn
