#include "models/ccnn/ccnn_types.h"

#include <fmt/format.h>

#include "config/binding.h"
#include "models/ccnn/ccnn_resnet.h"
#include "models/ccnn/point_types.h"
#include "nn/ccnn/kernel_net.h"
#include "nn/ccnn/ln_loss.h"

namespace longconv::models {

using nn::CKConvOptions;
using nn::GaussianMaskOptions;
using nn::KernelNetOptions;

// kernel.* of the reference's cfg/config.yaml that the kernel nets read.
Bindings<KernelNetOptions> kernel_bindings() {
  using K = KernelNetOptions;
  return Bindings<K>()
      .bind("kernel.type", &K::type, nn::kKernelNetTypeNames, "kernel net")
      .bind("kernel.no_hidden", &K::hidden_channels, "hidden channels of the kernel net")
      .bind("kernel.no_layers", &K::no_layers, "layers of the kernel net (MAGNet >= 1, SIREN and MLP >= 2)")
      .bind("kernel.omega_0", &K::omega_0, "MAGNet/SIREN frequency scale")
      .bind("kernel.bias", &K::bias, "biases in the kernel net")
      .bind("kernel.nonlinearity", &K::nonlinearity, nn::kActivationNames, "MLP nonlinearity (torch.nn name)")
      .bind("kernel.init_spatial_value", &K::init_spatial_value,
            "MAGNet centre spread (FlexConv sets mask.init_value * 1.667)")
      .validate([](const K& o) { nn::validate(o); });
}

// kernel.size, kernel.chang_initialize and conv.* for every conv; its kernel net, type, channels and mask are set by
// the net type.
Bindings<CKConvOptions> conv_bindings() {
  using C = CKConvOptions;
  return Bindings<C>(C(1, 1, 1))
      .bind("kernel.size", &C::kernel_size, "kernel extent: same (input length), full (2L-1) or an odd integer")
      .bind("kernel.chang_initialize", &C::chang_initialize,
            "scale the last kernel-net layer by sqrt(1/fan) on the first forward")
      .bind("conv.causal", &C::causal, "causal 1D convolution (and causal MAGNet init)")
      .bind("conv.use_fft", &C::use_fft, "FFT convolution (FlexConv: only when every kernel dim > 50)")
      .bind("conv.bias", &C::bias, "conv bias")
      .bind("conv.stride", &C::stride, "only 1")
      .bind("conv.path", &C::path, nn::kConvPathNames,
            "direct or FFT: auto (the cheaper, reference outputs), reference (its rule), always fft, always direct")
      .bind("conv.resolution_change", &C::resolution_change, nn::kResolutionChangeNames,
            "at another input resolution: reference (same taps in input units) or resample (same continuous kernel "
            "on a proportionally finer/coarser grid, response rescaled)")
      .bind("conv.train_resolution", &C::train_resolution,
            "resample: input size (last dim) the kernels were trained at; null: train_length (kernel.size same)");
}

// mask.* for FlexConvs. The reference's default leaves dynamic cropping off.
Bindings<GaussianMaskOptions> mask_bindings() {
  using M = GaussianMaskOptions;
  return Bindings<M>(M().dynamic_cropping(false))
      .bind("mask.init_value", &M::init_value, "initial mask width sigma", nn::kMaskInitValue)
      .bind("mask.threshold", &M::threshold, "crop the kernel where the mask is below this", nn::kMaskThreshold)
      .bind("mask.dynamic_cropping", &M::dynamic_cropping, "crop the kernel grid to the mask every forward")
      .bind("mask.learn_mean", &M::learn_mean, "learn the mask centre too")
      .validate([](const M& o) { nn::validate(o); });
}

// Keys of the reference config that longconv reads nowhere, accepted so its configs carry over; the point convs' keys
// with them (the reference's config has them for every net).
void add_reference_only_keys(Schema& s) {
  declare_point_conv_keys(s);
  s.add_float("kernel.input_scale", 0.0, "unused by these kernel nets (kept for reference configs)")
      .add_string("kernel.norm", "Identity", "MLP norm (Identity, the only one the reference's MLP builds)",
                  {"Identity"})
      .add_string("mask.type", "gaussian", "FlexConv mask: gaussian ('' as the reference's default, for no mask)",
                  {"", "gaussian"})
      .add_float("mask.temperature", 0.0, "sigmoid masks only (unused)")
      .add_string("conv.padding", "same", "output keeps the input size (only 'same')", {"same"})
      .add_bool("conv.cache", false, "unused by the reference (kept for reference configs)");
}

namespace {

// What every CCNN type declares: the kernel and conv sections (either part may carry the type's net keys), the mask
// section and the reference config's keys longconv does not read.
template <typename K, typename C>
void declare_sections(Schema& s, const Bindings<K>& kernel, const Bindings<C>& conv) {
  kernel.declare(s);
  conv.declare(s);
  mask_bindings().declare(s);
  add_reference_only_keys(s);
}

// A lone kernel net or conv: the sections, and conv.type, which only the CCNN reads (net.type names a lone conv).
template <typename K, typename C>
void declare_lone_sections(Schema& s, const Bindings<K>& kernel, const Bindings<C>& conv) {
  declare_sections(s, kernel, conv);
  s.add_string("conv.type", "", "CCNN only: its conv (unused here)");
}

// A conv of `type` with the kernel and mask sections' options; conv_bindings() fill the rest.
CKConvOptions conv_prototype(const Config& c, nn::CKConvType type) {
  using T = nn::CKConvType;
  CKConvOptions o(1, 1, 1);
  o.kernel(kernel_bindings().parse(c));
  o.separable(type == T::SeparableCKConv || type == T::SeparableFlexConv);
  if (type == T::FlexConv || type == T::SeparableFlexConv) {
    if (c.get_string("mask.type") != "gaussian")
      throw ConfigError(fmt::format("{}: key 'mask.type': expected gaussian for a FlexConv, got '{}'",
                                    c.source_of("mask.type"), c.get_string("mask.type")));
    o.mask(mask_bindings().parse(c));
  }
  return o;
}

// The parameters every CKConv and point conv of `module` learns for its mask, by state_dict name.
std::vector<std::string> mask_parameters(const torch::nn::Module& module) {
  std::vector<std::string> names;
  for (const auto& item : module.named_modules("", /*include_self=*/true))
    if (const auto* conv = dynamic_cast<const nn::CKConvImpl*>(item.value().get()))
      for (const auto& leaf : conv->mask_parameter_names())
        names.push_back(item.key().empty() ? leaf : item.key() + "." + leaf);
  for (auto& name : point_mask_parameters(module)) names.push_back(std::move(name));
  return names;
}

}  // namespace

const ParamGroupType kMaskGroup{"mask", "optimizer.mask_lr_ratio",
                                "the mask parameters' learning rate is optimizer.lr times this (CCNN)"};

// Training hooks of a net holding CKConvs: the reference's LnLoss as the regularizer (optimizer.weight_decay_type:
// ln_loss), the learned mask parameters as the "mask" group and the FlexConvs' mask widths as a histogram.
Net with_training_hooks(std::shared_ptr<torch::nn::Module> module,
                        std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)> forward) {
  Net out{module, std::move(forward)};
  out.regularizer = [m = module.get()] { return nn::ln_loss(*m); };
  if (auto mask = mask_parameters(*module); !mask.empty()) out.param_groups[kMaskGroup.name] = std::move(mask);
  out.histograms = [m = module.get()] {
    return std::map<std::string, std::vector<double>>{{"mask_widths", nn::mask_widths(*m)}};
  };
  return out;
}

void fill_io_from_data(Config& c, const data::DatasetInfo& info) {
  c.set_value("net.in_channels", info.d_input);
  c.set_value("net.out_channels", info.d_output);
  c.set_value("net.data_dim", info.data_dim());
}

void declare_lone_ccnn_sections(Schema& s) { declare_lone_sections(s, kernel_bindings(), conv_bindings()); }

namespace {

// A kernel net alone: the kernel section, net.out_channels and net.data_dim (filled from the dataset).
Bindings<KernelNetOptions> lone_kernel_net_bindings() {
  return kernel_bindings()
      .bind("net.out_channels", &KernelNetOptions::out_channels, "kernel channels")
      .bind_from_data("net.data_dim", &KernelNetOptions::data_dim, "dims of the positions 1-3");
}

NetType kernel_net_type(nn::KernelNetType kind) {
  const std::string name = enum_name(nn::kKernelNetTypeNames, kind);
  NetType t;
  t.name = name;
  t.help = name + " kernel net alone: positions [1, data_dim, *grid] -> kernel values [1, out_channels, *grid]";
  t.schema = [](Schema& s) { declare_lone_sections(s, lone_kernel_net_bindings(), conv_bindings()); };
  t.fill_from_data = [](Config& c, const data::DatasetInfo& info) { c.set_value("net.data_dim", info.data_dim()); };
  t.build = [kind, name](const Config& c) {
    const KernelNetOptions o = lone_kernel_net_bindings().parse(c);
    if (o.type() != kind)
      throw ConfigError(fmt::format("{}: key 'kernel.type': expected '{}' (net.type {}), got '{}'",
                                    c.source_of("kernel.type"), name, name,
                                    enum_name(nn::kKernelNetTypeNames, o.type())));
    std::shared_ptr<nn::KernelNetImpl> kernel = nn::make_kernel_net(o);
    return Net{kernel, [kernel](const torch::Tensor& x, const torch::Tensor&) { return kernel->forward(x); }};
  };
  return t;
}

// A conv alone: net.in_channels, net.out_channels and net.data_dim (filled from the dataset), then conv_bindings().
Bindings<CKConvOptions> lone_conv_bindings() {
  using C = CKConvOptions;
  return conv_bindings()
      .bind_from_data("net.in_channels", &C::in_channels, "input channels")
      .bind_from_data("net.out_channels", &C::out_channels, "output channels")
      .bind_from_data("net.data_dim", &C::data_dim, "spatial dims 1-3")
      .validate([](const C& o) { nn::validate(o); });
}

NetType conv_type(nn::CKConvType kind) {
  const std::string name = enum_name(nn::kCKConvTypeNames, kind);
  NetType t;
  t.name = name;
  t.help = name + " alone: x [B, in_channels, *spatial] -> [B, out_channels, *spatial]";
  t.schema = [](Schema& s) { declare_lone_sections(s, kernel_bindings(), lone_conv_bindings()); };
  t.param_groups = {kMaskGroup};
  t.fill_from_data = fill_io_from_data;
  t.build = [kind](const Config& c) {
    nn::CKConv conv(lone_conv_bindings().parse(c, "", conv_prototype(c, kind)));
    return with_training_hooks(
        conv.ptr(), [conv](const torch::Tensor& x, const torch::Tensor&) mutable { return conv->forward(x); });
  };
  return t;
}

Bindings<CCNNOptions> ccnn_bindings() {
  using O = CCNNOptions;
  return Bindings<O>(O(1, 1, CKConvOptions(1, 1, 1)))
      .bind_from_data("net.in_channels", &O::in_channels, "input channels")
      .bind_from_data("net.out_channels", &O::out_channels, "classes")
      .nest(&O::conv, conv_bindings().bind_from_data("net.data_dim", &CKConvOptions::data_dim, "spatial dims 1-3"))
      .bind("net.no_hidden", &O::no_hidden, "channels")
      .bind("net.no_blocks", &O::no_blocks, "residual blocks")
      .bind("net.dropout", &O::dropout, "dropout in every block", nn::kDropoutProbability)
      .bind("net.dropout_in", &O::dropout_in, "dropout on the input", nn::kDropoutProbability)
      .bind("net.dropout_type", &O::dropout_type, nn::kDropoutTypeNames, "block dropout")
      .bind("net.norm", &O::norm, nn::kChannelNormNames, "norm of the blocks and the stem")
      .bind("net.nonlinearity", &O::nonlinearity, nn::kActivationNames, "torch.nn activation name")
      .bind("net.block_width_factors", &O::block_width_factors,
            "[0.0]: all blocks no_hidden wide; else (factor, count) pairs")
      .bind("net.block.prenorm", &O::block_prenorm, "norm before the conv (and an out_norm before pooling)")
      .bind("net.downsampling", &O::downsampling, "MaxPool after these block indices")
      .bind("net.downsampling_size", &O::downsampling_size, "MaxPool kernel size")
      .validate([](const O& o) { validate(o); });
}

NetType ccnn_type() {
  NetType t;
  t.name = "CCNN";
  t.help = "CCNN ResNet (models/resnet.py ResNet_sequence / ResNet_image, S4 blocks): logits [B, out_channels]";
  t.schema = [](Schema& s) {
    declare_sections(s, kernel_bindings(), ccnn_bindings());
    declare_point_ccnn_keys(s);
    auto convs = enum_choices(nn::kCKConvTypeNames);
    convs.push_back(kPointConvType);
    s.add_int("net.no_stages", -1, "unused by ResNet (kept for reference configs)")
        .add_string("net.block.type", "S4", "block type (the reference's ResNet builds S4 blocks)", {"S4"})
        .add_string("conv.type", "SeparableFlexConv", "conv of the CCNN (SeparablePointFlexConv: on point clouds)",
                    convs);
  };
  t.param_groups = {kMaskGroup};
  t.fill_from_data = fill_io_from_data;
  t.build = [](const Config& c) {
    if (c.get_string("conv.type") == kPointConvType) return build_point_ccnn(c);
    const auto kind = *parse_enum(nn::kCKConvTypeNames, c.get_string("conv.type"));
    CCNN net(ccnn_bindings().parse(c, "", CCNNOptions(1, 1, conv_prototype(c, kind))));
    Net built = with_training_hooks(
        net.ptr(), [net](const torch::Tensor& x, const torch::Tensor&) mutable { return net->forward(x); });
    built.checkpoint_activations = [net](bool on) mutable { net->checkpoint_activations = on; };
    return built;
  };
  return t;
}

}  // namespace

std::vector<NetType> ccnn_net_types() {
  using K = nn::KernelNetType;
  using C = nn::CKConvType;
  std::vector<NetType> types;
  for (const auto kind : {K::MAGNet, K::SIREN, K::MLP}) types.push_back(kernel_net_type(kind));
  for (const auto kind : {C::CKConv, C::SeparableCKConv, C::FlexConv, C::SeparableFlexConv})
    types.push_back(conv_type(kind));
  types.push_back(ccnn_type());
  types.push_back(point_conv_type());
  return types;
}

}  // namespace longconv::models
