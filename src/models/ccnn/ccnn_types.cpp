#include "models/ccnn/ccnn_types.h"

#include <algorithm>

#include <fmt/format.h>

#include "models/ccnn/ccnn_resnet.h"
#include "nn/ccnn/kernel_net.h"
#include "nn/ccnn/ln_loss.h"

namespace longconv::models {

namespace {

const std::vector<std::string> kConvTypes{"CKConv", "SeparableCKConv", "FlexConv", "SeparableFlexConv"};

ConfigError bad_value(const Config& c, const std::string& key, const std::string& value, const std::string& expected) {
  return ConfigError(fmt::format("{}: key '{}': expected {}, got {}", c.origin(), key, expected, value));
}

int64_t int_at_least(const Config& c, const std::string& key, int64_t min) {
  const int64_t v = c.get_int(key);
  if (v < min) throw bad_value(c, key, std::to_string(v), fmt::format(">= {}", min));
  return v;
}

// The reference cfg/config.yaml's kernel, mask and conv sections, with its defaults, plus conv.path,
// conv.resolution_change and conv.train_resolution.
void add_ccnn_sections(Schema& s) {
  s.add_string("kernel.type", "", "kernel net: MAGNet, SIREN or MLP")
      .add_int("kernel.no_hidden", -1, "hidden channels of the kernel net")
      .add_int("kernel.no_layers", -1, "layers of the kernel net")
      .add_float("kernel.omega_0", 0.0, "MAGNet/SIREN frequency scale")
      .add_float("kernel.input_scale", 0.0, "unused by these kernel nets (kept for reference configs)")
      .add_bool("kernel.bias", true, "biases in the kernel net")
      .add_string("kernel.size", "same", "kernel extent: same (input length), full (2L-1) or an odd integer")
      .add_bool("kernel.chang_initialize", true, "scale the last kernel-net layer by sqrt(1/fan) on the first forward")
      .add_string("kernel.norm", "Identity", "MLP norm (Identity)")
      .add_string("kernel.nonlinearity", "Identity", "MLP nonlinearity (torch.nn name)")
      .add_float("kernel.init_spatial_value", 1.0, "MAGNet centre spread (FlexConv sets mask.init_value * 1.667)")
      .add_int("kernel.num_edges", -1, "point clouds only (unused)")
      .add_int("kernel.bottleneck_factor", -1, "point convs only (unused)");
  s.add_string("mask.type", "", "FlexConv mask: gaussian")
      .add_float("mask.init_value", -1.0, "initial mask width sigma")
      .add_float("mask.threshold", -1.0, "crop the kernel where the mask is below this")
      .add_bool("mask.dynamic_cropping", false, "crop the kernel grid to the mask every forward")
      .add_float("mask.temperature", 0.0, "sigmoid masks only (unused)")
      .add_bool("mask.learn_mean", false, "learn the mask centre too");
  s.add_string("conv.type", "", "conv of the CCNN: CKConv, SeparableCKConv, FlexConv or SeparableFlexConv")
      .add_bool("conv.causal", false, "causal 1D convolution (and causal MAGNet init)")
      .add_bool("conv.use_fft", false, "FFT convolution (FlexConv: only when every kernel dim > 50)")
      .add_bool("conv.bias", true, "conv bias")
      .add_string("conv.padding", "same", "output keeps the input size (only 'same')", {"same"})
      .add_int("conv.stride", 1, "only 1")
      .add_bool("conv.cache", false, "unused by the reference (kept for reference configs)")
      .add_string("conv.path", "reference", "direct or FFT: reference rule, always fft, always direct, or auto (cost)",
                  {"reference", "fft", "direct", "auto"})
      .add_string("conv.resolution_change", "reference",
                  "at another input resolution: reference (same taps in input units) or resample (same continuous "
                  "kernel on a proportionally finer/coarser grid, response rescaled)",
                  {"reference", "resample"})
      .add_int("conv.train_resolution", std::nullopt,
               "resample: input size (last dim) the kernels were trained at; null: train_length (kernel.size same)");
}

void add_io_keys(Schema& s) {
  s.add_int("in_channels", std::nullopt, "input channels (filled from the dataset)")
      .add_int("out_channels", std::nullopt, "output channels / classes (filled from the dataset)")
      .add_int("data_dim", 0, "spatial dims 1-3 (filled from the dataset)");
}

int64_t data_dim(const Config& c) {
  const int64_t d = c.get_int("net.data_dim");
  if (d < 1 || d > 3) throw bad_value(c, "net.data_dim", std::to_string(d), "1, 2 or 3 (filled from the dataset)");
  return d;
}

int64_t required_channels(const Config& c, const std::string& key) {
  if (c.is_null(key))
    throw ConfigError(fmt::format("{}: {} is null (training fills it from the dataset)", c.origin(), key));
  return int_at_least(c, key, 1);
}

nn::KernelNetOptions kernel_net_options(const Config& c) {
  const std::string type = c.get_string("kernel.type");
  if (type != "MAGNet" && type != "SIREN" && type != "MLP")
    throw bad_value(c, "kernel.type", "'" + type + "'", "MAGNet, SIREN or MLP");
  const int64_t min_layers = type == "MAGNet" ? 1 : 2;
  const std::string norm = c.get_string("kernel.norm");
  if (norm != "Identity") throw bad_value(c, "kernel.norm", "'" + norm + "'", "Identity");
  return nn::KernelNetOptions()
      .type(type)
      .hidden_channels(int_at_least(c, "kernel.no_hidden", 1))
      .no_layers(int_at_least(c, "kernel.no_layers", min_layers))
      .bias(c.get_bool("kernel.bias"))
      .causal(c.get_bool("conv.causal"))
      .omega_0(c.get_float("kernel.omega_0"))
      .init_spatial_value(c.get_float("kernel.init_spatial_value"))
      .nonlinearity(c.get_string("kernel.nonlinearity"))
      .norm(norm);
}

}  // namespace

nn::CKConvOptions ck_conv_options(const Config& c, const std::string& type, int64_t in, int64_t out, int64_t d) {
  if (std::find(kConvTypes.begin(), kConvTypes.end(), type) == kConvTypes.end())
    throw bad_value(c, "conv.type", "'" + type + "'", "CKConv, SeparableCKConv, FlexConv or SeparableFlexConv");
  if (c.get_int("conv.stride") != 1) throw bad_value(c, "conv.stride", std::to_string(c.get_int("conv.stride")), "1");
  auto o = nn::CKConvOptions(in, out, d)
               .separable(type.rfind("Separable", 0) == 0)
               .kernel(kernel_net_options(c))
               .kernel_size(c.get_string("kernel.size"))
               .chang_initialize(c.get_bool("kernel.chang_initialize"))
               .causal(c.get_bool("conv.causal"))
               .use_fft(c.get_bool("conv.use_fft"))
               .bias(c.get_bool("conv.bias"))
               .path(nn::parse_conv_path(c.get_string("conv.path")))
               .resolution_change(nn::parse_resolution_change(c.get_string("conv.resolution_change")))
               .train_resolution(c.get_opt_int("conv.train_resolution"));
  if (type.find("FlexConv") != std::string::npos) {
    if (c.get_string("mask.type") != "gaussian")
      throw bad_value(c, "mask.type", "'" + c.get_string("mask.type") + "'", "gaussian (FlexConv)");
    const double init = c.get_float("mask.init_value"), threshold = c.get_float("mask.threshold");
    if (!(init > 0)) throw bad_value(c, "mask.init_value", fmt::format("{}", init), "> 0");
    if (!(threshold > 0 && threshold < 1))
      throw bad_value(c, "mask.threshold", fmt::format("{}", threshold), "in (0, 1)");
    o.mask(nn::GaussianMaskOptions()
               .init_value(init)
               .threshold(threshold)
               .dynamic_cropping(c.get_bool("mask.dynamic_cropping"))
               .learn_mean(c.get_bool("mask.learn_mean")));
  }
  return o;
}

namespace {

NetType kernel_net_type(const std::string& name) {
  NetType t;
  t.name = name;
  t.help = name + " kernel net alone: positions [1, data_dim, *grid] -> kernel values [1, out_channels, *grid]";
  t.schema = [](Schema& s) {
    s.add_int("out_channels", 1, "kernel channels").add_int("data_dim", 0, "dims of the positions 1-3");
  };
  t.top_level_schema = add_ccnn_sections;
  t.fill_from_data = [](Config& c, const data::DatasetInfo& info) { c.set_value("net.data_dim", info.data_dim()); };
  t.build = [name](const Config& c) {
    if (c.get_string("kernel.type") != name)
      throw bad_value(c, "kernel.type", "'" + c.get_string("kernel.type") + "'",
                      "'" + name + "' (net.type " + name + ")");
    auto opts = kernel_net_options(c).data_dim(data_dim(c)).out_channels(int_at_least(c, "net.out_channels", 1));
    std::shared_ptr<nn::KernelNetImpl> kernel = nn::make_kernel_net(opts);
    return Net{kernel, [kernel](const torch::Tensor& x, const torch::Tensor&) { return kernel->forward(x); }};
  };
  return t;
}

// Training hooks of a net holding CKConvs: the reference's LnLoss as the regularizer (optimizer.weight_decay_type:
// ln_loss) and the learned mask parameters as the "mask" group (optimizer.mask_lr_ratio).
Net with_training_hooks(std::shared_ptr<torch::nn::Module> module,
                        std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)> forward) {
  Net out{module, std::move(forward)};
  out.regularizer = [m = module.get()] { return nn::ln_loss(*m); };
  std::vector<std::string> mask;
  for (const auto& p : module->named_parameters()) {
    const std::string& key = p.key();
    for (const std::string leaf : {"mask_width_param", "mask_mean_param"})
      if (key.size() >= leaf.size() && key.compare(key.size() - leaf.size(), leaf.size(), leaf) == 0)
        mask.push_back(key);
  }
  if (!mask.empty()) out.param_groups["mask"] = std::move(mask);
  return out;
}

NetType conv_type(const std::string& name) {
  NetType t;
  t.name = name;
  t.help = name + " alone: x [B, in_channels, *spatial] -> [B, out_channels, *spatial]";
  t.schema = add_io_keys;
  t.top_level_schema = add_ccnn_sections;
  t.fill_from_data = [](Config& c, const data::DatasetInfo& info) {
    c.set_value("net.in_channels", info.d_input);
    c.set_value("net.out_channels", info.d_output);
    c.set_value("net.data_dim", info.data_dim());
  };
  t.build = [name](const Config& c) {
    nn::CKConv conv(ck_conv_options(c, name, required_channels(c, "net.in_channels"),
                                    required_channels(c, "net.out_channels"), data_dim(c)));
    return with_training_hooks(
        conv.ptr(), [conv](const torch::Tensor& x, const torch::Tensor&) mutable { return conv->forward(x); });
  };
  return t;
}

NetType ccnn_type() {
  NetType t;
  t.name = "CCNN";
  t.help = "CCNN ResNet (models/resnet.py ResNet_sequence / ResNet_image, S4 blocks): logits [B, out_channels]";
  t.schema = [](Schema& s) {
    add_io_keys(s);
    s.add_int("no_hidden", -1, "channels")
        .add_int("no_blocks", -1, "residual blocks")
        .add_int("no_stages", -1, "unused by ResNet (kept for reference configs)")
        .add_float("dropout", 0.0, "dropout in every block")
        .add_float("dropout_in", 0.0, "dropout on the input")
        .add_string("dropout_type", "Dropout2d", "block dropout", {"Dropout", "Dropout1d", "Dropout2d", "Dropout3d"})
        .add_string("norm", "", "BatchNorm, LayerNorm or Identity")
        .add_string("nonlinearity", "", "torch.nn activation name (GELU, ReLU, ...)")
        .add_float_list("block_width_factors", {0.0}, "[0.0]: all blocks no_hidden wide; else (factor, count) pairs")
        .add_string("block.type", "default", "block type (only S4 is implemented)")
        .add_bool("block.prenorm", true, "norm before the conv (and an out_norm before pooling)")
        .add_int_list("downsampling", {}, "MaxPool after these block indices")
        .add_int("downsampling_size", -1, "MaxPool kernel size");
  };
  t.top_level_schema = add_ccnn_sections;
  t.fill_from_data = [](Config& c, const data::DatasetInfo& info) {
    c.set_value("net.in_channels", info.d_input);
    c.set_value("net.out_channels", info.d_output);
    c.set_value("net.data_dim", info.data_dim());
  };
  t.build = [](const Config& c) {
    const int64_t d = data_dim(c);
    const int64_t hidden = int_at_least(c, "net.no_hidden", 1);
    const double dropout = c.get_float("net.dropout"), dropout_in = c.get_float("net.dropout_in");
    if (!(dropout >= 0 && dropout <= 1)) throw bad_value(c, "net.dropout", fmt::format("{}", dropout), "in [0, 1]");
    if (!(dropout_in >= 0 && dropout_in <= 1))
      throw bad_value(c, "net.dropout_in", fmt::format("{}", dropout_in), "in [0, 1]");
    const std::string block = c.get_string("net.block.type");
    if (block != "S4") throw bad_value(c, "net.block.type", "'" + block + "'", "S4 (the only block implemented)");
    CCNN net(CCNNOptions(required_channels(c, "net.in_channels"), required_channels(c, "net.out_channels"),
                         ck_conv_options(c, c.get_string("conv.type"), 1, 1, d))
                 .no_hidden(hidden)
                 .no_blocks(int_at_least(c, "net.no_blocks", 0))
                 .dropout(dropout)
                 .dropout_in(dropout_in)
                 .dropout_type(c.get_string("net.dropout_type"))
                 .norm(c.get_string("net.norm"))
                 .nonlinearity(c.get_string("net.nonlinearity"))
                 .block_width_factors(c.get_float_list("net.block_width_factors"))
                 .block_type(block)
                 .block_prenorm(c.get_bool("net.block.prenorm"))
                 .downsampling(c.get_int_list("net.downsampling"))
                 .downsampling_size(c.get_int("net.downsampling_size")));
    return with_training_hooks(net.ptr(),
                               [net](const torch::Tensor& x, const torch::Tensor&) mutable { return net->forward(x); });
  };
  return t;
}

}  // namespace

std::vector<NetType> ccnn_net_types() {
  std::vector<NetType> types;
  for (const char* name : {"MAGNet", "SIREN", "MLP"}) types.push_back(kernel_net_type(name));
  for (const auto& name : kConvTypes) types.push_back(conv_type(name));
  types.push_back(ccnn_type());
  return types;
}

}  // namespace longconv::models
