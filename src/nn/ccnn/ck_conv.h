// Continuous kernel convolutions (ckconv/nn/ckconv.py, flexconv.py): a kernel net samples the conv kernel on a grid
// of relative positions in [-1, 1]^data_dim every forward.
//   CKConv            - kernel [out, in, *K] from a net with in*out outputs (channel o*in + i);
//   SeparableCKConv   - depthwise kernel [1, in, *K], then a pointwise `channel_mixer`;
//   FlexConv / SeparableFlexConv - the same with a learnable Gaussian mask (mask_width_param, optionally a learnable
//                       mask_mean_param) multiplied onto the kernel, and the grid cropped to where the mask exceeds
//                       mask.threshold (dynamic cropping).
// One class covers the four (options.separable, options.mask); parameter and buffer names are the reference's:
// Kernel.*, bias, channel_mixer.*, mask_width_param, mask_mean_param, mask_threshold, train_length, initialized.
//
// State: `train_length` (int32 [1]) is fixed by the first forward ever (kernel.size "same": the input's last dim,
// "full": 2L-1, odd int: that int). `initialized` (bool [1]) records the Chang initialisation (output_linear weight
// *= sqrt(1/F), F = taps, times in_channels when not separable) done on the first forward. Both are persistent, so a
// loaded checkpoint is never rescaled again (upstream issue #14).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "nn/ccnn/kernel_conv.h"
#include "nn/ccnn/kernel_net.h"
#include "nn/common/pointwise_linear.h"
#include "util/enum_names.h"
#include "util/option_check.h"

namespace longconv::nn {

// How a conv picks the direct or the FFT path.
enum class ConvPath {
  Reference,  // the reference rule: CKConv -> FFT iff use_fft; FlexConv -> FFT iff use_fft and every kernel dim > 50
  Fft,        // always FFT (exact linear correlation lengths)
  Direct,     // always conv1d/2d/3d
  Auto,       // the reference's outputs by whichever path kernel_conv_cost estimates cheaper: the reference rule's
              // FFT where its odd 1D length changes the result (reference_fft_quirk), else exact FFT lengths
};
extern const EnumNames<ConvPath> kConvPathNames;  // reference, fft, direct, auto

// What happens when the input resolution differs from the one the kernel was trained at.
enum class ResolutionChange {
  Reference,  // the kernel stays on its train_length grid, applied in input units (the reference)
  Resample,   // the same continuous kernel on a grid r times finer (r = input size / train resolution), the response
              // scaled by 1 / r^data_dim: what the paper's resolution-change claim needs
};
extern const EnumNames<ResolutionChange> kResolutionChangeNames;  // reference, resample

// The four convs by the reference's class names; CCNN's conv.type.
enum class CKConvType { CKConv, SeparableCKConv, FlexConv, SeparableFlexConv };
extern const EnumNames<CKConvType> kCKConvTypeNames;

struct GaussianMaskOptions {
  TORCH_ARG(double, init_value) = 0.075;  // sigma at init
  TORCH_ARG(double, threshold) = 0.1;     // crop where the mask is below this
  TORCH_ARG(bool, dynamic_cropping) = true;
  TORCH_ARG(bool, learn_mean) = false;
};
extern const Constraint kMaskInitValue;  // > 0
extern const Constraint kMaskThreshold;  // in (0, 1)
void validate(const GaussianMaskOptions& options);

struct CKConvOptions {
  CKConvOptions(int64_t in_channels, int64_t out_channels, int64_t data_dim)
      : in_channels_(in_channels), out_channels_(out_channels), data_dim_(data_dim) {}
  TORCH_ARG(int64_t, in_channels);
  TORCH_ARG(int64_t, out_channels);
  TORCH_ARG(int64_t, data_dim);
  TORCH_ARG(bool, separable) = false;
  // The kernel net; data_dim, out_channels and causal are set by the conv, init_spatial_value too when masked
  // (mask.init_value * 1.667, as FlexConvBase does).
  TORCH_ARG(KernelNetOptions, kernel) = {};
  TORCH_ARG(std::string, kernel_size) = "same";  // "same" | "full" | odd int as text
  TORCH_ARG(bool, chang_initialize) = true;
  TORCH_ARG(bool, causal) = false;
  TORCH_ARG(bool, use_fft) = false;
  TORCH_ARG(bool, bias) = true;
  TORCH_ARG(int64_t, stride) = 1;  // the reference's argument; only 1 is implemented (there too)
  TORCH_ARG(std::optional<GaussianMaskOptions>, mask) = std::nullopt;  // set: FlexConv
  TORCH_ARG(ConvPath, path) = ConvPath::Auto;
  TORCH_ARG(ResolutionChange, resolution_change) = ResolutionChange::Reference;
  // Resample: the input size (last dim) the kernel was trained at; nullopt = train_length (right for size "same").
  TORCH_ARG(std::optional<int64_t>, train_resolution) = std::nullopt;
};

// OptionError naming the field: data_dim outside 1-3, channels < 1, causal with data_dim > 1, a kernel_size other
// than same/full/odd integer, train_resolution < 2, and the kernel net's and mask's own rules.
void validate(const CKConvOptions& options);

class CKConvImpl : public torch::nn::Module {
 public:
  explicit CKConvImpl(CKConvOptions options);
  torch::Tensor forward(const torch::Tensor& x);
  // Module::to converts every buffer; train_length/initialized keep their integer/bool dtypes.
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, bool non_blocking = false) override;

  // The grid of `length` positions per dim, cropped to the mask (dynamic cropping): [1, data_dim, *K], on the kernel
  // net's dtype and device. `length` is train_length at the training resolution.
  torch::Tensor kernel_positions(int64_t length);
  // The kernel sampled at `positions` and masked: [1, in, *K] (separable) or [out, in, *K]. What forward convolves
  // with once the Chang initialisation (its first forward) is done; plots read it.
  torch::Tensor kernel_at(const torch::Tensor& positions);

  // Names, relative to this module, of the mask's learnable parameters: mask_width_param, and mask_mean_param when
  // learn_mean; none for CKConv. The training hooks give them their own learning rate.
  std::vector<std::string> mask_parameter_names() const;

  CKConvOptions options;
  std::shared_ptr<KernelNetImpl> Kernel;
  torch::Tensor bias;                                               // undefined without conv.bias
  PointwiseLinear channel_mixer{nullptr};                           // separable only
  torch::Tensor mask_width_param, mask_mean_param, mask_threshold;  // masked only
  torch::Tensor train_length, initialized;
  // The (masked, cropped) kernel the last forward sampled, with its autograd graph: [1, in, *K] (separable) or
  // [out, in, *K]. LnLoss adds its L2 norm; undefined before the first forward.
  torch::Tensor conv_kernel;
  bool last_forward_used_fft = false;  // which path the last forward took (tests, info)

 private:
  torch::Tensor grid(int64_t length, torch::Dtype dtype, torch::Device device);
  void restore_state_dtypes();
  torch::Tensor grid_;  // cached linspace grid (non-persistent, as the reference's kernel_positions)
};
TORCH_MODULE(CKConv);

// The CKConv/FlexConv modules under `module` (itself included), with their dotted names, in named_modules order.
std::vector<std::pair<std::string, CKConv>> find_ck_convs(const torch::nn::Module& module);

// Every FlexConv's mask widths (mask_width_param, one per data dim) under `module`; empty without FlexConvs. For a
// histogram of how the learned masks spread.
std::vector<double> mask_widths(const torch::nn::Module& module);

}  // namespace longconv::nn
