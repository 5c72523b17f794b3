// SeparablePointFlexConv (ckconv/nn/pointflexconv.py): a separable continuous-kernel conv on point clouds. Each point
// i aggregates its num_edges nearest points j (the first num_edges of sorted_indices[i], i itself included):
//   y_i = channel_mixer(sum_j x'_j * K(pos_i - pos_j) * mask(pos_i - pos_j)),  x' = bottleneck_linear(x) or x,
// K the kernel net (MAGNet etc., data_dim 3) with one output per channel of x', mask the product over the 3
// coordinates of exp(-0.5 ((d - mean) / sigma)^2) with one learned sigma (mask_width_param) for all 3.
// Names are the reference's state_dict keys: Kernel.*, bias (created by conv.bias but never added, as in the
// reference), mask_width_param, mask_mean_param, mask_threshold, bottleneck_linear.*, channel_mixer.* (nn.Linear).
//
// `initialized` (bool [1], persistent) records the Chang rescale (Kernel.output_linear.weight *= sqrt(1/num_edges))
// done on the first forward. The reference keeps it out of its state_dict, so a file without it loads as initialised
// (io::StateLayout): weights from a file are never rescaled again.
//
// `aggregation` Reference reproduces the official code's gather, which weighs each point's OWN features by the
// kernel at every neighbour (the neighbours' features never reach it); the golden vectors and its trained weights
// need it. Neighbours (the default) is the convolution above.
//
// Cropping: the reference forces dynamic cropping off for point clouds (mask.dynamic_cropping is ignored), so every
// num_edges neighbour is used however small its mask. `crop_neighbours` instead keeps only the nearest neighbours up
// to the farthest any point of the batch has with mask >= mask.threshold (the mask is radial about the mean, so they
// are a prefix of each sorted row).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "io/state_dict.h"
#include "nn/ccnn/ck_conv.h"
#include "nn/ccnn/kernel_net.h"
#include "util/enum_names.h"

namespace longconv::nn {

// Whose features the kernel weighs at each neighbour.
enum class PointAggregation {
  Neighbours,  // x_j of neighbour j: the point convolution the paper describes
  Reference,   // x_i of the point itself for every neighbour, as the official code computes it: its gather reads
               // x.unsqueeze(2).expand(B, N, N, C), which repeats each point's own row, so y_i = mix(x_i * sum_j K_ij)
};
extern const EnumNames<PointAggregation> kPointAggregationNames;  // neighbours, reference

struct SeparablePointFlexConvOptions {
  SeparablePointFlexConvOptions(int64_t in_channels, int64_t out_channels)
      : in_channels_(in_channels), out_channels_(out_channels) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  // The kernel net; data_dim (3), out_channels, causal (false) and init_spatial_value (mask.init_value * 1.667) are
  // set by the conv.
  TORCH_ARG(KernelNetOptions, kernel) = {};
  TORCH_ARG(int64_t, num_edges) = 16;          // kernel.num_edges
  TORCH_ARG(int64_t, bottleneck_factor) = -1;  // kernel.bottleneck_factor: used only when in_channels > 32
  TORCH_ARG(bool, chang_initialize) = true;    // kernel.chang_initialize
  TORCH_ARG(bool, bias) = true;                // conv.bias
  TORCH_ARG(GaussianMaskOptions, mask) = {};   // dynamic_cropping is ignored, as by the reference
  TORCH_ARG(bool, crop_neighbours) = false;    // conv.crop_neighbours
  TORCH_ARG(PointAggregation, aggregation) = PointAggregation::Neighbours;  // conv.point_aggregation
  // Most (point, neighbour) pairs whose kernel values are held at once. Larger inputs (the ModelNet commands: 16 x
  // 512 x 256 = 2M pairs, tens of GB through autograd) sample the kernel chunk by chunk and sample it again in the
  // backward pass, holding one chunk's graph at a time; conv_kernel is then left undefined.
  TORCH_ARG(int64_t, max_pairs) = int64_t{1} << 17;
};

// OptionError naming the field: channels < 1, num_edges < 1, a bottleneck_factor neither -1 nor >= 1 or one that
// leaves no kernel channels, max_pairs < 1, and the mask's own rules.
void validate(const SeparablePointFlexConvOptions& options);

class SeparablePointFlexConvImpl : public torch::nn::Module, public io::StateLayout {
 public:
  explicit SeparablePointFlexConvImpl(SeparablePointFlexConvOptions options);
  // x [B, N, in], rel_pos [B, N, N, 3] (pos_i - pos_j), sorted_indices [B, N, K >= num_edges] int64 -> [B, N, out].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& rel_pos, const torch::Tensor& sorted_indices);

  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, bool non_blocking = false) override;
  std::vector<std::pair<std::string, torch::Tensor>> state_defaults() const override;

  std::vector<torch::Tensor> mask_parameters() const;  // mask_width_param (and mask_mean_param when learned)
  int64_t kernel_channels() const;                     // in_channels, or in_channels / bottleneck_factor
  // Masked kernel values at relative positions [M, 3] -> [M, kernel_channels()], with the mask's parameters given.
  torch::Tensor masked_kernel(const torch::Tensor& positions, const torch::Tensor& sigma, const torch::Tensor& mean);

  SeparablePointFlexConvOptions options;
  std::shared_ptr<KernelNetImpl> Kernel;
  torch::Tensor bias;  // undefined without conv.bias; never used in forward (the reference's)
  torch::Tensor mask_width_param, mask_mean_param, mask_threshold, initialized;
  torch::nn::Linear bottleneck_linear{nullptr}, channel_mixer{nullptr};
  // The masked kernel values of the last forward, [B, N, E, kernel_channels()], with their autograd graph (undefined
  // when it ran in chunks, see max_pairs).
  torch::Tensor conv_kernel;
  int64_t last_edges = 0;  // neighbours the last forward used (num_edges, or fewer with crop_neighbours)
};
TORCH_MODULE(SeparablePointFlexConv);

}  // namespace longconv::nn
