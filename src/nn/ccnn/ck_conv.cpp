#include "nn/ccnn/ck_conv.h"

#include <cmath>
#include <stdexcept>

#include "nn/ccnn/gaussian_mask.h"

namespace longconv::nn {

ConvPath parse_conv_path(const std::string& name) {
  if (name == "reference") return ConvPath::Reference;
  if (name == "fft") return ConvPath::Fft;
  if (name == "direct") return ConvPath::Direct;
  if (name == "auto") return ConvPath::Auto;
  throw std::runtime_error("conv.path: unknown value '" + name + "' (known: reference, fft, direct, auto)");
}

ResolutionChange parse_resolution_change(const std::string& name) {
  if (name == "reference") return ResolutionChange::Reference;
  if (name == "resample") return ResolutionChange::Resample;
  throw std::runtime_error("conv.resolution_change: unknown value '" + name + "' (known: reference, resample)");
}

namespace {

// kernel.size as the reference reads it: "same", "full" or an odd integer; nullopt for "same"/"full".
std::optional<int64_t> fixed_kernel_size(const std::string& size) {
  if (size == "same" || size == "full") return std::nullopt;
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(size, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != size.size() || used == 0 || value < 1 || value % 2 == 0)
    throw std::runtime_error("kernel.size: expected 'same', 'full' or an odd integer >= 1, got '" + size + "'");
  return value;
}

}  // namespace

CKConvImpl::CKConvImpl(CKConvOptions options_) : options(std::move(options_)) {
  const auto& o = options;
  const int64_t d = o.data_dim(), in = o.in_channels(), out = o.out_channels();
  TORCH_CHECK(d >= 1 && d <= 3, "CKConv data_dim must be 1, 2 or 3, got ", d);
  TORCH_CHECK(in >= 1 && out >= 1, "CKConv channels must be >= 1, got ", in, " -> ", out);
  if (o.causal() && d != 1)
    throw std::runtime_error("conv.causal: causal convolutions are 1D only, got data_dim " + std::to_string(d));
  fixed_kernel_size(o.kernel_size());
  if (o.train_resolution() && *o.train_resolution() < 2)
    throw std::runtime_error("conv.train_resolution: expected >= 2, got " + std::to_string(*o.train_resolution()));

  KernelNetOptions k = o.kernel();
  k.data_dim(d).out_channels(o.separable() ? in : in * out).causal(o.causal());
  if (o.mask()) {
    const auto& m = *o.mask();
    if (!(m.init_value() > 0))
      throw std::runtime_error("mask.init_value: expected > 0, got " + std::to_string(m.init_value()));
    if (!(m.threshold() > 0 && m.threshold() < 1))
      throw std::runtime_error("mask.threshold: expected in (0, 1), got " + std::to_string(m.threshold()));
    k.init_spatial_value(m.init_value() * 1.667);  // FlexConvBase overwrites kernel.init_spatial_value
  }
  // Same construction order as the reference: Kernel, bias, mask, channel_mixer.
  Kernel = register_module("Kernel", make_kernel_net(k));
  if (o.bias()) bias = register_parameter("bias", torch::zeros({o.separable() ? in : out}));
  if (o.mask()) {
    const auto& m = *o.mask();
    mask_width_param = register_parameter("mask_width_param", torch::full({d}, m.init_value()));
    auto mean = torch::full({d}, o.causal() ? 1.0 : 0.0);  // causal kernels end at the current step (+1)
    mask_mean_param =
        m.learn_mean() ? register_parameter("mask_mean_param", mean) : register_buffer("mask_mean_param", mean);
    mask_threshold = register_buffer("mask_threshold", torch::full({1}, m.threshold()));
  }
  train_length = register_buffer("train_length", torch::zeros({1}, torch::kInt));
  initialized = register_buffer("initialized", torch::zeros({1}, torch::kBool));
  if (o.separable()) {
    channel_mixer = register_module("channel_mixer", PointwiseLinear(in, out, d, o.bias()));
    torch::NoGradGuard no_grad;
    if (o.mask())
      torch::nn::init::kaiming_normal_(channel_mixer->weight);
    else
      torch::nn::init::kaiming_uniform_(channel_mixer->weight, 0.0, torch::kFanIn, torch::kLinear);
    if (o.bias()) channel_mixer->bias.fill_(0.0);
  }
}

std::vector<torch::Tensor> CKConvImpl::mask_parameters() const {
  std::vector<torch::Tensor> params;
  if (!options.mask()) return params;
  params.push_back(mask_width_param);
  if (options.mask()->learn_mean()) params.push_back(mask_mean_param);
  return params;
}

torch::Tensor CKConvImpl::grid(int64_t length, torch::Dtype dtype, torch::Device device) {
  const int64_t d = options.data_dim();
  if (grid_.defined() && grid_.size(-1) == length && grid_.scalar_type() == dtype && grid_.device() == device)
    return grid_;
  const auto line = torch::linspace(-1, 1, length, torch::TensorOptions().dtype(dtype).device(device));
  std::vector<torch::Tensor> lines(d, line);
  grid_ = torch::stack(torch::meshgrid(lines, "ij"), 0).unsqueeze(0);  // [1, D, T, ...]
  return grid_;
}

torch::Tensor CKConvImpl::forward(const torch::Tensor& x) {
  const auto& o = options;
  const int64_t d = o.data_dim();
  TORCH_CHECK(x.dim() == 2 + d && x.size(1) == o.in_channels(), "CKConv expects [B, ", o.in_channels(), ", ", d,
              " spatial dims], got ", x.sizes());
  if (train_length.item<int64_t>() == 0) {
    const auto fixed = fixed_kernel_size(o.kernel_size());
    const int64_t length = fixed ? *fixed : o.kernel_size() == "same" ? x.size(-1) : 2 * x.size(-1) - 1;
    train_length.fill_(length);
  }
  const int64_t trained = train_length.item<int64_t>();
  TORCH_CHECK(trained >= 2, "CKConv kernel grid needs >= 2 positions, got train_length ", trained);

  // Resample: the grid spacing shrinks by r, so the kernel keeps its extent in train-resolution units.
  double ratio = 1.0;
  int64_t length = trained;
  if (o.resolution_change() == ResolutionChange::Resample) {
    ratio = static_cast<double>(x.size(-1)) / static_cast<double>(o.train_resolution().value_or(trained));
    length = static_cast<int64_t>(std::llround(static_cast<double>(trained - 1) * ratio)) + 1;
  }
  const auto dtype = Kernel->output_linear->weight.scalar_type();
  torch::Tensor positions = grid(length, dtype, x.device());
  if (o.mask() && o.mask()->dynamic_cropping()) {
    const auto step = torch::scalar_tensor(2.0, positions.options()) / (length - 1);  // float32 in a float32 module
    positions = crop_to_mask(positions, mask_mean_param, mask_width_param, mask_threshold, step, o.causal());
  }
  if (!initialized.item<bool>() && o.chang_initialize()) {
    torch::NoGradGuard no_grad;
    const int64_t taps = positions.numel() / d;
    const int64_t fan = o.separable() ? taps : o.in_channels() * taps;
    Kernel->output_linear->weight.mul_(std::sqrt(1.0 / static_cast<double>(fan)));
    initialized.fill_(true);
  }
  std::vector<int64_t> shape{-1, o.in_channels()};
  for (int64_t i = 0; i < d; ++i) shape.push_back(positions.size(2 + i));
  torch::Tensor kernel = Kernel->forward(positions).view(shape);
  if (o.mask()) kernel = gaussian_mask(positions, mask_mean_param, mask_width_param) * kernel;
  conv_kernel = kernel;

  auto conv = KernelConvOptions().separable(o.separable()).causal(o.causal()).fft_length(FftLength::Fast);
  switch (o.path()) {
    case ConvPath::Reference: {
      bool fft = o.use_fft();
      if (o.mask())
        for (int64_t i = 0; i < d; ++i) fft = fft && kernel.size(2 + i) > 50;
      conv.fft(fft).fft_length(FftLength::Reference);
      break;
    }
    case ConvPath::Fft:
      conv.fft(true);
      break;
    case ConvPath::Direct:
      conv.fft(false);
      break;
    case ConvPath::Auto: {
      const auto cost = kernel_conv_cost(x.sizes(), kernel.sizes(), o.separable());
      conv.fft(cost.fft < cost.direct);
      break;
    }
  }
  last_forward_used_fft = conv.fft();
  if (ratio != 1.0) kernel = kernel / std::pow(ratio, static_cast<double>(d));
  torch::Tensor y = kernel_conv(x, kernel, bias, conv);
  return o.separable() ? channel_mixer(y) : y;
}

void CKConvImpl::restore_state_dtypes() {
  train_length.set_data(train_length.to(torch::kInt));
  initialized.set_data(initialized.to(torch::kBool));
}

void CKConvImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(device, dtype, non_blocking);
  restore_state_dtypes();
}

void CKConvImpl::to(torch::Dtype dtype, bool non_blocking) {
  torch::nn::Module::to(dtype, non_blocking);
  restore_state_dtypes();
}

void CKConvImpl::to(torch::Device device, bool non_blocking) {
  torch::nn::Module::to(device, non_blocking);
  restore_state_dtypes();
}

}  // namespace longconv::nn
