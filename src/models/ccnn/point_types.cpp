#include "models/ccnn/point_types.h"

#include <fmt/format.h>

#include "config/binding.h"
#include "models/ccnn/ccnn_types.h"
#include "models/ccnn/point_ccnn.h"

namespace longconv::models {
namespace {

using nn::SeparablePointFlexConvOptions;

// num_edges -1 (the reference's default) fails validation: a point conv needs kernel.num_edges.
SeparablePointFlexConvOptions conv_prototype() { return SeparablePointFlexConvOptions(1, 1).num_edges(-1); }

Bindings<SeparablePointFlexConvOptions> point_only_conv_bindings() {
  using P = SeparablePointFlexConvOptions;
  return Bindings<P>(conv_prototype())
      .bind("kernel.num_edges", &P::num_edges, "point convs: nearest neighbours each point aggregates")
      .bind("kernel.bottleneck_factor", &P::bottleneck_factor,
            "point convs: -1, or divide the channels of inputs wider than 32 by this before the kernel")
      .bind("conv.crop_neighbours", &P::crop_neighbours,
            "point convs: keep only the neighbours within the mask's threshold (the reference keeps all num_edges)")
      .bind("conv.point_aggregation", &P::aggregation, nn::kPointAggregationNames,
            "point convs: whose features the kernel weighs, the neighbours' or (reference) the point's own")
      .bind("conv.max_pairs", &P::max_pairs,
            "point convs: most (point, neighbour) kernel values held at once; above, sampled in chunks");
}

// Every key a point conv reads; the kernel, mask and conv.bias keys are the grid convs' (declared by them).
Bindings<SeparablePointFlexConvOptions> point_conv_bindings() {
  using P = SeparablePointFlexConvOptions;
  return point_only_conv_bindings()
      .nest(&P::kernel, kernel_bindings())
      .nest(&P::mask, mask_bindings())
      .bind("kernel.chang_initialize", &P::chang_initialize, "")
      .bind("conv.bias", &P::bias, "")
      .validate([](const P& o) { nn::validate(o); });
}

Bindings<PointCCNNOptions> point_only_ccnn_bindings() {
  using O = PointCCNNOptions;
  return Bindings<O>(O(1, 1, conv_prototype()))
      .bind("net.point_residual", &O::point_residual, kPointResidualNames,
            "point CCNN blocks: add the shortcut, or (reference) return 2 * branch as the official code does");
}

// The point ResNet's keys; all but net.point_residual are the grid CCNN's.
Bindings<PointCCNNOptions> point_ccnn_bindings() {
  using O = PointCCNNOptions;
  return point_only_ccnn_bindings()
      .bind_from_data("net.in_channels", &O::in_channels, "")
      .bind_from_data("net.out_channels", &O::out_channels, "")
      .nest(&O::conv, point_conv_bindings())
      .bind("net.no_hidden", &O::no_hidden, "")
      .bind("net.no_blocks", &O::no_blocks, "")
      .bind("net.dropout", &O::dropout, "")
      .bind("net.dropout_in", &O::dropout_in, "")
      .bind("net.dropout_type", &O::dropout_type, nn::kDropoutTypeNames, "")
      .bind("net.nonlinearity", &O::nonlinearity, nn::kActivationNames, "")
      .bind("net.block_width_factors", &O::block_width_factors, "")
      .bind("net.block.prenorm", &O::block_prenorm, "")
      .validate([](const O& o) { validate(o); });
}

Bindings<SeparablePointFlexConvOptions> with_io(Bindings<SeparablePointFlexConvOptions> bindings) {
  using P = SeparablePointFlexConvOptions;
  return bindings.bind_from_data("net.in_channels", &P::in_channels, "input channels")
      .bind_from_data("net.out_channels", &P::out_channels, "output channels");
}

}  // namespace

void declare_point_conv_keys(Schema& s) { point_only_conv_bindings().declare(s); }

void declare_point_ccnn_keys(Schema& s) { point_only_ccnn_bindings().declare(s); }

Net build_point_ccnn(const Config& c) {
  // The reference's point ResNet asserts BatchNorm (GraphBatchNorm) and has no pooling between blocks.
  if (c.get_string("net.norm") != "BatchNorm")
    throw ConfigError(fmt::format("{}: key 'net.norm': expected BatchNorm with conv.type {}, got '{}'",
                                  c.source_of("net.norm"), kPointConvType, c.get_string("net.norm")));
  if (!c.get_int_list("net.downsampling").empty())
    throw ConfigError(fmt::format("{}: key 'net.downsampling': expected [] with conv.type {} (no pooling on points)",
                                  c.source_of("net.downsampling"), kPointConvType));
  PointCCNN net(point_ccnn_bindings().parse(c));
  Net out = with_training_hooks(net.ptr(), {});
  out.point_forward = [net](const torch::Tensor& x, const torch::Tensor& rel_pos,
                            const torch::Tensor& sorted_indices) mutable {
    return net->forward(x, rel_pos, sorted_indices);
  };
  return out;
}

NetType point_conv_type() {
  NetType t;
  t.name = kPointConvType;
  t.help = std::string(kPointConvType) +
           " alone: x [B, N, in_channels], rel_pos [B, N, N, 3], sorted_indices [B, N, K] -> [B, N, out_channels]";
  t.schema = [](Schema& s) {
    declare_lone_ccnn_sections(s);
    with_io(Bindings<SeparablePointFlexConvOptions>(conv_prototype())).declare(s);
  };
  t.param_groups = {kMaskGroup};
  t.fill_from_data = [](Config& c, const data::DatasetInfo& info) {
    c.set_value("net.in_channels", info.d_input);
    c.set_value("net.out_channels", info.d_output);
  };
  t.build = [](const Config& c) {
    nn::SeparablePointFlexConv conv(with_io(point_conv_bindings()).parse(c));
    Net out = with_training_hooks(conv.ptr(), {});
    out.point_forward = [conv](const torch::Tensor& x, const torch::Tensor& rel_pos,
                               const torch::Tensor& sorted_indices) mutable {
      return conv->forward(x, rel_pos, sorted_indices);
    };
    return out;
  };
  return t;
}

std::vector<std::string> point_mask_parameters(const torch::nn::Module& module) {
  std::vector<std::string> names;
  for (const auto& item : module.named_modules("", /*include_self=*/true))
    if (dynamic_cast<const nn::SeparablePointFlexConvImpl*>(item.value().get()))
      for (const auto& p : item.value()->named_parameters(/*recurse=*/false))
        if (p.key().rfind("mask_", 0) == 0) names.push_back(item.key().empty() ? p.key() : item.key() + "." + p.key());
  return names;
}

}  // namespace longconv::models
