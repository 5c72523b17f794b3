// MultiresLayer (layers/multireslayer.py): y = Dropout1d(GELU(MultiresConv(x))), x and y [B, d_model, L].
// Parameters h0, h1 [d_model, 1, kernel_size] and w [d_model, m + 1] carry the reference's names.
#pragma once

#include <optional>
#include <string>

#include <torch/torch.h>

#include "nn/common/dropout1d.h"
#include "nn/multires/multires_conv.h"
#include "util/option_check.h"

namespace longconv::nn {

struct MultiresLayerOptions {
  explicit MultiresLayerOptions(int64_t d_model) : d_model_(d_model) {}
  TORCH_ARG(int64_t, d_model);
  // Filter length; with wavelet_init it defaults to (and must equal) the wavelet's filter length.
  TORCH_ARG(std::optional<int64_t>, kernel_size) = std::nullopt;
  // Tree depth; default: the smallest depth whose receptive field covers seq_len.
  TORCH_ARG(std::optional<int64_t>, depth) = std::nullopt;
  TORCH_ARG(std::optional<std::string>, wavelet_init) = std::nullopt;
  TORCH_ARG(TreeSelect, tree_select) = TreeSelect::Fading;
  TORCH_ARG(std::optional<int64_t>, seq_len) = std::nullopt;
  TORCH_ARG(double, dropout) = 0.0;
  // Memory columns for tree_select "uniform" (fading uses depth + 1).
  TORCH_ARG(std::optional<int64_t>, memory_size) = std::nullopt;
  // Initialise the residual weight w[:, -1] ~ U(-1, 1), independent of the memory size.
  TORCH_ARG(bool, indep_res_init) = false;
};

// Depth of a tree: a tree of 48 levels already spans 2^48 steps, and deeper ones overflow the index arithmetic.
extern const Constraint kTreeDepth;  // [1, 48]

// OptionError naming the field: d_model < 1; an unknown wavelet_init or a kernel_size that differs from its length;
// no kernel_size (or < 1) without a wavelet; depth outside kTreeDepth or a receptive field beyond int64; neither depth
// nor seq_len (>= 2, with kernel_size >= 2 to derive the depth); tree_select uniform without memory_size >= 1; dropout
// outside [0, 1].
void validate(const MultiresLayerOptions& options);

// ceil(log2((L - 1) / (kernel_size - 1) + 1)): the depth at which the tree's receptive field reaches L.
int64_t multires_max_depth(int64_t seq_len, int64_t kernel_size);
// Receptive field of a tree of `depth` levels: 1 + (kernel_size - 1) * (2^depth - 1) positions.
int64_t multires_receptive_field(int64_t depth, int64_t kernel_size);

class MultiresLayerImpl : public torch::nn::Cloneable<MultiresLayerImpl> {
 public:
  explicit MultiresLayerImpl(MultiresLayerOptions options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  MultiresLayerOptions options;
  int64_t kernel_size = 0;
  int64_t depth = 0;
  int64_t memory_size = 0;  // m: w has m + 1 columns
  MixPlan plan;
  torch::Tensor h0, h1, w;
  Dropout1d dropout{nullptr};
};
TORCH_MODULE(MultiresLayer);

}  // namespace longconv::nn
