#include "nn/common/batch_norm.h"

#include "nn/common/channel_batch_norm.h"
#include "util/option_check.h"

namespace longconv::nn {
namespace {

// The dims a BatchNorm reduces over: all but the channels.
std::vector<int64_t> reduced_dims(const torch::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

// [C] -> [1, C, 1, ...] to broadcast against x.
torch::Tensor per_channel(const torch::Tensor& t, const torch::Tensor& x) {
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[1] = t.size(0);
  return t.reshape(shape);
}

// torch.nn.SyncBatchNorm's forward and backward: the global batch's mean and variance from summed (sum x, sum x^2,
// count); backward sums (sum dy, sum dy * x_hat) over the processes. The affine part stays outside, in autograd.
class SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, double eps,
                               const AllReduceSum* sum, torch::Tensor* mean_out, torch::Tensor* var_out,
                               double* count_out) {
    const auto dims = reduced_dims(x);
    const auto acc = x.to(torch::kFloat64);
    std::vector<torch::Tensor> stats{
        torch::cat({acc.sum(dims), acc.square().sum(dims),
                    torch::full({1}, static_cast<double>(x.numel() / x.size(1)), acc.options())})};
    (*sum)(stats);
    const int64_t c = x.size(1);
    const double n = stats[0][2 * c].item<double>();
    TORCH_CHECK(n > 1, "BatchNorm: expected more than 1 value per channel over the global batch, got ", n);
    const torch::Tensor mean = stats[0].narrow(0, 0, c) / n;
    const torch::Tensor var = (stats[0].narrow(0, c, c) / n - mean.square()).clamp_min(0);
    const torch::Tensor invstd = (var + eps).rsqrt();
    const torch::Tensor x_hat =
        (x - per_channel(mean.to(x.scalar_type()), x)) * per_channel(invstd.to(x.scalar_type()), x);
    *mean_out = mean;
    *var_out = var;
    *count_out = n;
    ctx->save_for_backward({x_hat, invstd.to(x.scalar_type())});
    ctx->saved_data["n"] = n;
    ctx->saved_data["sum"] = reinterpret_cast<int64_t>(sum);
    return x_hat;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& x_hat = saved[0];
    const torch::Tensor& invstd = saved[1];
    const double n = ctx->saved_data["n"].toDouble();
    const auto* sum = reinterpret_cast<const AllReduceSum*>(ctx->saved_data["sum"].toInt());
    const torch::Tensor dy = grads[0];
    const auto dims = reduced_dims(dy);
    const int64_t c = dy.size(1);
    std::vector<torch::Tensor> stats{
        torch::cat({dy.to(torch::kFloat64).sum(dims), (dy * x_hat).to(torch::kFloat64).sum(dims)})};
    (*sum)(stats);
    const torch::Tensor mean_dy = (stats[0].narrow(0, 0, c) / n).to(dy.scalar_type());
    const torch::Tensor mean_dy_xhat = (stats[0].narrow(0, c, c) / n).to(dy.scalar_type());
    const torch::Tensor dx =
        per_channel(invstd, dy) * (dy - per_channel(mean_dy, dy) - x_hat * per_channel(mean_dy_xhat, dy));
    return {dx, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

BatchNormImpl::BatchNormImpl(BatchNormOptions options_) : options(options_) {
  check_option(options.num_features(), at_least(1), "BatchNormOptions::num_features");
  check_option(options.eps(), above(0), "BatchNormOptions::eps");
  check_option(options.momentum(), in_closed(0, 1), "BatchNormOptions::momentum");
  const int64_t c = options.num_features();
  weight = register_parameter("weight", torch::ones({c}));
  bias = register_parameter("bias", torch::zeros({c}));
  running_mean = register_buffer("running_mean", torch::zeros({c}));
  running_var = register_buffer("running_var", torch::ones({c}));
  num_batches_tracked = register_buffer("num_batches_tracked", torch::zeros({}, torch::kInt64));
}

torch::Tensor BatchNormImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() >= 2 && x.size(1) == options.num_features(), "BatchNorm: expected [B, ", options.num_features(),
              ", ...], got ", x.sizes());
  if (!is_training() || !sync_) {
    if (is_training()) num_batches_tracked.add_(1);
    return channel_batch_norm(x, weight, bias, running_mean, running_var, is_training(), options.momentum(),
                              options.eps());
  }
  torch::Tensor mean, var;
  double n = 0;
  const torch::Tensor x_hat = SyncBatchNormFunction::apply(x, options.eps(), &sync_, &mean, &var, &n);
  {
    torch::NoGradGuard no_grad;
    const double m = options.momentum();
    running_mean.mul_(1 - m).add_(mean.to(running_mean.scalar_type()), m);
    running_var.mul_(1 - m).add_((var * (n / (n - 1))).to(running_var.scalar_type()), m);
    num_batches_tracked.add_(1);
  }
  return x_hat * per_channel(weight, x) + per_channel(bias, x);
}

void BatchNormImpl::pretty_print(std::ostream& stream) const {
  stream << "longconv::nn::BatchNorm(" << options.num_features() << ", eps=" << options.eps()
         << ", momentum=" << options.momentum() << (sync_ ? ", synchronized" : "") << ")";
}

}  // namespace longconv::nn
