#include "nn/ccnn/separable_point_flex_conv.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace longconv::nn {
namespace {

// Channels of x' (the kernel's): the reference applies the bottleneck only to inputs wider than 32 channels.
int64_t bottleneck_channels(const SeparablePointFlexConvOptions& o) {
  const bool bottleneck = o.in_channels() > 32 && o.bottleneck_factor() > 0;
  return bottleneck ? o.in_channels() / o.bottleneck_factor() : o.in_channels();
}

// nn.Linear as the reference re-initialises it: kaiming_uniform_(nonlinearity='linear'), bias 0.
torch::nn::Linear reinitialised_linear(int64_t in, int64_t out, bool bias) {
  torch::nn::Linear linear(torch::nn::LinearOptions(in, out).bias(bias));
  torch::NoGradGuard no_grad;
  torch::nn::init::kaiming_uniform_(linear->weight, 0.0, torch::kFanIn, torch::kLinear);
  if (bias) linear->bias.fill_(0.0);
  return linear;
}

// gaussian_mask_3d: the product over the 3 coordinates of exp(-0.5 ((1 / sigma) (d - mean))^2), in the reference's
// operation order. positions [M, 3] -> [M].
torch::Tensor gaussian_mask_3d(const torch::Tensor& positions, const torch::Tensor& mean, const torch::Tensor& sigma) {
  const auto coordinate = [&](int64_t d) {
    return torch::exp(-0.5 * ((1.0 / sigma[0]) * (positions.select(1, d) - mean[0])).square());
  };
  return coordinate(0) * coordinate(1) * coordinate(2);
}

// sum_e features[neighbours[r, e]] * K(kpos[r, e]) for every row r (a point) in chunks of rows, the kernel sampled
// without a graph; the backward samples each chunk again with one and pulls the gradients of the kernel positions,
// the mask parameters and the kernel net's parameters through it (as activation checkpointing does).
class ChunkedNeighbourSum : public torch::autograd::Function<ChunkedNeighbourSum> {
 public:
  // features [P, C]; kpos [R, E, 3]; neighbours [R, E] rows of features; params: the kernel net's. -> [R, C].
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& features,
                               const torch::Tensor& kpos, const torch::Tensor& sigma, const torch::Tensor& mean,
                               const torch::Tensor& neighbours, torch::TensorList params,
                               SeparablePointFlexConvImpl* conv, int64_t chunk_rows) {
    const int64_t rows = kpos.size(0), edges = kpos.size(1), channels = features.size(1);
    torch::Tensor out = torch::empty({rows, channels}, features.options());
    for (int64_t r = 0; r < rows; r += chunk_rows) {
      const int64_t m = std::min(chunk_rows, rows - r);
      const auto k = conv->masked_kernel(kpos.narrow(0, r, m).reshape({m * edges, 3}), sigma, mean);
      const auto x = features.index_select(0, neighbours.narrow(0, r, m).reshape(-1));
      out.narrow(0, r, m).copy_((x * k).view({m, edges, channels}).sum(1));
    }
    ctx->save_for_backward({features, kpos, sigma, mean, neighbours});
    ctx->saved_data["conv"] = reinterpret_cast<int64_t>(conv);
    ctx->saved_data["chunk_rows"] = chunk_rows;
    ctx->saved_data["params"] = static_cast<int64_t>(params.size());
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &features = saved[0], &kpos = saved[1], &sigma = saved[2], &mean = saved[3], &neighbours = saved[4];
    auto* conv = reinterpret_cast<SeparablePointFlexConvImpl*>(ctx->saved_data["conv"].toInt());
    const int64_t chunk_rows = ctx->saved_data["chunk_rows"].toInt();
    const auto params = conv->Kernel->parameters();
    const auto g = grads[0].contiguous();
    const int64_t rows = kpos.size(0), edges = kpos.size(1), channels = features.size(1);
    auto grad_features = torch::zeros_like(features);
    auto grad_kpos = torch::empty_like(kpos);
    auto grad_sigma = torch::zeros_like(sigma), grad_mean = torch::zeros_like(mean);
    std::vector<torch::Tensor> grad_params;
    for (const auto& p : params) grad_params.push_back(torch::zeros_like(p));
    for (int64_t r = 0; r < rows; r += chunk_rows) {
      const int64_t m = std::min(chunk_rows, rows - r);
      torch::AutoGradMode grad_mode(true);
      const auto pos = kpos.narrow(0, r, m).reshape({m * edges, 3}).detach().requires_grad_();
      const auto s = sigma.detach().requires_grad_(), mu = mean.detach().requires_grad_();
      const auto k = conv->masked_kernel(pos, s, mu);  // [m E, C]
      const auto index = neighbours.narrow(0, r, m).reshape(-1);
      const auto gc = g.narrow(0, r, m).unsqueeze(1).expand({m, edges, channels}).reshape({m * edges, channels});
      grad_features.index_add_(0, index, gc * k.detach());
      std::vector<torch::Tensor> inputs{pos, s, mu};
      inputs.insert(inputs.end(), params.begin(), params.end());
      const auto got = torch::autograd::grad({k}, inputs, {gc * features.index_select(0, index)},
                                             /*retain_graph=*/false, /*create_graph=*/false, /*allow_unused=*/true);
      grad_kpos.narrow(0, r, m).copy_(got[0].view({m, edges, 3}));
      grad_sigma += got[1];
      grad_mean += got[2];
      for (size_t i = 0; i < params.size(); ++i)
        if (got[3 + i].defined()) grad_params[i] += got[3 + i];
    }
    torch::autograd::variable_list out{grad_features, grad_kpos, grad_sigma, grad_mean, torch::Tensor()};
    out.insert(out.end(), grad_params.begin(), grad_params.end());
    out.push_back(torch::Tensor());  // conv
    out.push_back(torch::Tensor());  // chunk_rows
    return out;
  }
};

}  // namespace

const EnumNames<PointAggregation> kPointAggregationNames = {{"neighbours", PointAggregation::Neighbours},
                                                            {"reference", PointAggregation::Reference}};

void validate(const SeparablePointFlexConvOptions& o) {
  check_option(o.in_channels(), at_least(1), "SeparablePointFlexConvOptions::in_channels");
  check_option(o.out_channels(), at_least(1), "SeparablePointFlexConvOptions::out_channels");
  check_option(o.num_edges(), at_least(1), "SeparablePointFlexConvOptions::num_edges");
  check_option_rule(o.bottleneck_factor() == -1 || o.bottleneck_factor() >= 1, o.bottleneck_factor(),
                    "SeparablePointFlexConvOptions::bottleneck_factor",
                    fmt::format("expected -1 (none) or >= 1, got {}", o.bottleneck_factor()));
  check_option_rule(bottleneck_channels(o) >= 1, o.bottleneck_factor(),
                    "SeparablePointFlexConvOptions::bottleneck_factor",
                    fmt::format("{} leaves {} input channels none", o.bottleneck_factor(), o.in_channels()));
  check_option(o.max_pairs(), at_least(1), "SeparablePointFlexConvOptions::max_pairs");
  validate(o.mask());
}

SeparablePointFlexConvImpl::SeparablePointFlexConvImpl(SeparablePointFlexConvOptions options_)
    : options(std::move(options_)) {
  const auto& o = options;
  validate(o);
  const int64_t in = o.in_channels();
  const auto& m = o.mask();
  const int64_t channels = kernel_channels();

  KernelNetOptions k = o.kernel();
  k.data_dim(3).out_channels(channels).causal(false).init_spatial_value(m.init_value() * 1.667);
  // Reference construction order: Kernel, bias, mask parameters, bottleneck_linear, channel_mixer.
  Kernel = register_module("Kernel", make_kernel_net(k));
  if (o.bias()) bias = register_parameter("bias", torch::zeros({in}));
  mask_width_param = register_parameter("mask_width_param", torch::full({1}, m.init_value()));
  mask_mean_param = m.learn_mean() ? register_parameter("mask_mean_param", torch::zeros({1}))
                                   : register_buffer("mask_mean_param", torch::zeros({1}));
  mask_threshold = register_buffer("mask_threshold", torch::full({1}, m.threshold()));
  initialized = register_buffer("initialized", torch::zeros({1}, torch::kBool));
  if (channels != in)
    bottleneck_linear = register_module("bottleneck_linear", reinitialised_linear(in, channels, o.bias()));
  channel_mixer = register_module("channel_mixer", reinitialised_linear(channels, o.out_channels(), o.bias()));
}

int64_t SeparablePointFlexConvImpl::kernel_channels() const { return bottleneck_channels(options); }

std::vector<torch::Tensor> SeparablePointFlexConvImpl::mask_parameters() const {
  std::vector<torch::Tensor> params{mask_width_param};
  if (options.mask().learn_mean()) params.push_back(mask_mean_param);
  return params;
}

std::vector<std::pair<std::string, torch::Tensor>> SeparablePointFlexConvImpl::state_defaults() const {
  return {{"initialized", torch::ones({1}, torch::kBool)}};
}

torch::Tensor SeparablePointFlexConvImpl::forward(const torch::Tensor& x, const torch::Tensor& rel_pos,
                                                  const torch::Tensor& sorted_indices) {
  const auto& o = options;
  TORCH_CHECK(x.dim() == 3 && x.size(2) == o.in_channels(), "SeparablePointFlexConv expects x [B, N, ", o.in_channels(),
              "], got ", x.sizes());
  const int64_t batch = x.size(0), n = x.size(1);
  TORCH_CHECK(rel_pos.dim() == 4 && rel_pos.size(0) == batch && rel_pos.size(1) == n && rel_pos.size(2) == n &&
                  rel_pos.size(3) == 3,
              "SeparablePointFlexConv expects rel_pos [", batch, ", ", n, ", ", n, ", 3], got ", rel_pos.sizes());
  TORCH_CHECK(sorted_indices.dim() == 3 && sorted_indices.size(0) == batch && sorted_indices.size(1) == n &&
                  sorted_indices.scalar_type() == torch::kInt64,
              "SeparablePointFlexConv expects sorted_indices [", batch, ", ", n, ", K] int64, got ",
              sorted_indices.sizes(), " ", sorted_indices.scalar_type());
  TORCH_CHECK(sorted_indices.size(2) >= o.num_edges(), "kernel.num_edges ", o.num_edges(), " exceeds the ",
              sorted_indices.size(2), " sorted neighbours per point (", n, " points)");

  if (!initialized.item<bool>() && o.chang_initialize()) {
    torch::NoGradGuard no_grad;
    Kernel->output_linear->weight.mul_(std::sqrt(1.0 / static_cast<double>(o.num_edges())));
    initialized.fill_(true);
  }

  // kpos[b, i, e] = rel_pos[b, i, idx[b, i, e]] = pos_i - pos_idx.
  torch::Tensor idx = sorted_indices.narrow(2, 0, o.num_edges());
  torch::Tensor kpos = torch::gather(rel_pos, 2, idx.unsqueeze(3).expand({batch, n, o.num_edges(), 3}));
  int64_t edges = o.num_edges();
  if (o.crop_neighbours()) {
    torch::NoGradGuard no_grad;
    // Where the mask is >= threshold: |d - mean (1, 1, 1)| <= root, so |d| <= root + sqrt(3) |mean|.
    const double sigma = std::abs(mask_width_param.item<double>()), mean = mask_mean_param.item<double>();
    const double root =
        sigma * std::sqrt(-2.0 * std::log(mask_threshold.item<double>())) + std::sqrt(3.0) * std::abs(mean);
    const auto inside = kpos.square().sum(3) <= root * root;  // [B, N, E]
    const auto rank = torch::arange(1, edges + 1, idx.options()).view({1, 1, edges});
    edges = std::max<int64_t>(1, (inside.to(torch::kInt64) * rank).max().item<int64_t>());
    idx = idx.narrow(2, 0, edges);
    kpos = kpos.narrow(2, 0, edges);
  }
  last_edges = edges;

  const int64_t channels = kernel_channels();
  const torch::Tensor features = (bottleneck_linear ? bottleneck_linear(x) : x).reshape({batch * n, channels});
  // The rows of `features` each edge reads: its neighbour's, or (Reference) the point's own.
  const auto rows =
      o.aggregation() == PointAggregation::Reference
          ? torch::arange(batch * n, idx.options()).view({batch * n, 1}).expand({batch * n, edges})
          : (idx + (torch::arange(batch, idx.options()) * n).view({batch, 1, 1})).reshape({batch * n, edges});
  if (batch * n * edges > o.max_pairs()) {
    conv_kernel = torch::Tensor();
    const int64_t chunk_rows = std::max<int64_t>(1, o.max_pairs() / edges);
    const auto params = Kernel->parameters();
    // A TensorList (not the vector) makes each parameter an input of the autograd node.
    const auto sum = ChunkedNeighbourSum::apply(features, kpos.reshape({batch * n, edges, 3}), mask_width_param,
                                                mask_mean_param, rows, torch::TensorList(params), this, chunk_rows);
    return channel_mixer(sum.view({batch, n, channels}));
  }
  conv_kernel = masked_kernel(kpos.reshape({batch * n * edges, 3}), mask_width_param, mask_mean_param)
                    .view({batch, n, edges, channels});
  const auto neighbours = features.index_select(0, rows.reshape(-1)).view({batch, n, edges, channels});
  return channel_mixer((neighbours * conv_kernel).sum(2));
}

torch::Tensor SeparablePointFlexConvImpl::masked_kernel(const torch::Tensor& positions, const torch::Tensor& sigma,
                                                        const torch::Tensor& mean) {
  const int64_t points = positions.size(0), channels = kernel_channels();
  const auto mask = gaussian_mask_3d(positions, mean, sigma);
  // The kernel net sees the M positions as one [1, 3, M, 1, 1] grid: one GEMM per layer (the reference's
  // [M, 3, 1, 1, 1] batch gives the same values).
  const auto grid = positions.t().contiguous().view({1, 3, points, 1, 1});
  const auto values = Kernel->forward(grid).view({channels, points}).t();  // [M, C]
  return values * mask.unsqueeze(1);
}

void SeparablePointFlexConvImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(device, dtype, non_blocking);
  initialized.set_data(initialized.to(torch::kBool));
}

void SeparablePointFlexConvImpl::to(torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(dtype, non_blocking);
  initialized.set_data(initialized.to(torch::kBool));
}

void SeparablePointFlexConvImpl::to(torch::Device device, bool non_blocking) {
  torch::nn::Module::to(device, non_blocking);
  initialized.set_data(initialized.to(torch::kBool));
}

}  // namespace longconv::nn
