#include "nn/ccnn/ck_conv.h"

#include <cmath>
#include <stdexcept>

#include "nn/ccnn/gaussian_mask.h"
#include "nn/common/activation_checkpoint.h"

namespace longconv::nn {

const EnumNames<ConvPath> kConvPathNames = {
    {"reference", ConvPath::Reference}, {"fft", ConvPath::Fft}, {"direct", ConvPath::Direct}, {"auto", ConvPath::Auto}};
const EnumNames<ResolutionChange> kResolutionChangeNames = {{"reference", ResolutionChange::Reference},
                                                            {"resample", ResolutionChange::Resample}};
const EnumNames<CKConvType> kCKConvTypeNames = {{"CKConv", CKConvType::CKConv},
                                                {"SeparableCKConv", CKConvType::SeparableCKConv},
                                                {"FlexConv", CKConvType::FlexConv},
                                                {"SeparableFlexConv", CKConvType::SeparableFlexConv}};

const Constraint kMaskInitValue = above(0);
const Constraint kMaskThreshold = in_open(0, 1);

void validate(const GaussianMaskOptions& m) {
  check_option(m.init_value(), kMaskInitValue, "GaussianMaskOptions::init_value");
  check_option(m.threshold(), kMaskThreshold, "GaussianMaskOptions::threshold");
}

namespace {

// kernel_size as the reference reads it: "same", "full" or an odd integer; nullopt for "same"/"full" and for
// anything else (which validate refuses).
std::optional<int64_t> fixed_kernel_size(const std::string& size) {
  if (size == "same" || size == "full") return std::nullopt;
  size_t used = 0;
  int64_t value = 0;
  try {
    value = std::stoll(size, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != size.size() || value < 1 || value % 2 == 0) return std::nullopt;
  return value;
}

}  // namespace

void validate(const CKConvOptions& o) {
  check_option(o.data_dim(), in_closed(1, 3), "CKConvOptions::data_dim");
  check_option(o.in_channels(), at_least(1), "CKConvOptions::in_channels");
  check_option(o.out_channels(), at_least(1), "CKConvOptions::out_channels");
  check_option_rule(!o.causal() || o.data_dim() == 1, o.causal(), "CKConvOptions::causal",
                    fmt::format("causal convolutions are 1D only, got data_dim {}", o.data_dim()));
  const std::string& size = o.kernel_size();
  check_option_rule(size == "same" || size == "full" || fixed_kernel_size(size), size, "CKConvOptions::kernel_size",
                    fmt::format("expected 'same', 'full' or an odd integer >= 1, got '{}'", size));
  check_option(o.train_resolution(), at_least(2), "CKConvOptions::train_resolution");
  check_option(o.stride(), one_of({1}), "CKConvOptions::stride");
  validate(o.kernel());
  if (o.mask()) validate(*o.mask());
}

CKConvImpl::CKConvImpl(CKConvOptions options_) : options(std::move(options_)) {
  const auto& o = options;
  validate(o);
  const int64_t d = o.data_dim(), in = o.in_channels(), out = o.out_channels();

  KernelNetOptions k = o.kernel();
  k.data_dim(d).out_channels(o.separable() ? in : in * out).causal(o.causal());
  if (o.mask()) k.init_spatial_value(o.mask()->init_value() * 1.667);  // FlexConvBase overwrites it
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

std::vector<std::string> CKConvImpl::mask_parameter_names() const {
  if (!options.mask()) return {};
  if (options.mask()->learn_mean()) return {"mask_width_param", "mask_mean_param"};
  return {"mask_width_param"};
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

torch::Tensor CKConvImpl::kernel_positions(int64_t length) {
  const auto& weight = Kernel->output_linear->weight;
  torch::Tensor positions = grid(length, weight.scalar_type(), weight.device());
  if (options.mask() && options.mask()->dynamic_cropping()) {
    const auto step = torch::scalar_tensor(2.0, positions.options()) / (length - 1);  // float32 in a float32 module
    positions = crop_to_mask(positions, mask_mean_param, mask_width_param, mask_threshold, step, options.causal());
  }
  return positions;
}

torch::Tensor CKConvImpl::kernel_at(const torch::Tensor& positions) {
  std::vector<int64_t> shape{-1, options.in_channels()};
  for (int64_t i = 0; i < options.data_dim(); ++i) shape.push_back(positions.size(2 + i));
  torch::Tensor kernel = Kernel->forward(positions).view(shape);
  if (options.mask()) kernel = gaussian_mask(positions, mask_mean_param, mask_width_param) * kernel;
  return kernel;
}

torch::Tensor CKConvImpl::forward(const torch::Tensor& x) {
  const auto& o = options;
  const int64_t d = o.data_dim();
  TORCH_CHECK(x.dim() == 2 + d && x.size(1) == o.in_channels() && x.is_floating_point(),
              "CKConv expects float x of shape [B, in_channels=", o.in_channels(), ", ", d, " spatial dims], got ",
              x.sizes(), " ", x.scalar_type());
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
  torch::Tensor kernel;
  {
    // LnLoss reads conv_kernel after the forward, so it keeps its graph inside a checkpointed block too.
    torch::AutoGradMode kernel_graph(torch::GradMode::is_enabled() || in_checkpointed_forward());
    const torch::Tensor positions = kernel_positions(length);
    if (!initialized.item<bool>() && o.chang_initialize()) {
      torch::NoGradGuard no_grad;
      const int64_t taps = positions.numel() / d;
      const int64_t fan = o.separable() ? taps : o.in_channels() * taps;
      Kernel->output_linear->weight.mul_(std::sqrt(1.0 / static_cast<double>(fan)));
      initialized.fill_(true);
    }
    kernel = kernel_at(positions);
  }
  conv_kernel = kernel;

  auto conv = KernelConvOptions().separable(o.separable()).causal(o.causal()).fft_length(FftLength::Fast);
  bool reference_fft = o.use_fft();
  if (o.mask())
    for (int64_t i = 0; i < d; ++i) reference_fft = reference_fft && kernel.size(2 + i) > 50;
  switch (o.path()) {
    case ConvPath::Reference:
      conv.fft(reference_fft).fft_length(FftLength::Reference);
      break;
    case ConvPath::Fft:
      conv.fft(true);
      break;
    case ConvPath::Direct:
      conv.fft(false);
      break;
    case ConvPath::Auto: {
      // The reference's outputs by the cheaper path; where its FFT length changes them, only its FFT gives them.
      if (reference_fft && reference_fft_quirk(x.sizes(), kernel.sizes())) {
        conv.fft(true).fft_length(FftLength::Reference);
        break;
      }
      // The FFT keeps spectra of 2-4x the input's size alive and, under train.checkpoint_activations, transforms
      // again: near a tie the direct path serves better (2D CIFAR-10, 33x33 on 32x32: FFT 10% faster plain but
      // 1739 MB against 1280 MB, and 2x slower checkpointed), so the FFT must be estimated 25% cheaper.
      const auto cost = kernel_conv_cost(x.sizes(), kernel.sizes(), o.separable());
      conv.fft(cost.fft < 0.75 * cost.direct);
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

std::vector<std::pair<std::string, CKConv>> find_ck_convs(const torch::nn::Module& module) {
  std::vector<std::pair<std::string, CKConv>> convs;
  for (const auto& item : module.named_modules())
    if (auto conv = std::dynamic_pointer_cast<CKConvImpl>(item.value())) convs.emplace_back(item.key(), CKConv(conv));
  return convs;
}

std::vector<double> mask_widths(const torch::nn::Module& module) {
  std::vector<double> widths;
  for (const auto& [name, conv] : find_ck_convs(module)) {
    if (!conv->mask_width_param.defined()) continue;
    const auto w = conv->mask_width_param.detach().to(torch::kCPU, torch::kDouble).contiguous();
    widths.insert(widths.end(), w.data_ptr<double>(), w.data_ptr<double>() + w.numel());
  }
  return widths;
}

}  // namespace longconv::nn
