// MultiresNet classifier (classification.py): encoder -> n_layers x [MultiresLayer -> GLU mixing -> residual -> norm]
// -> mean (or length-masked mean) pooling -> linear output. Names equal the reference state_dict keys
// (encoder.weight, seq_layers.0.h0, mixing_layers.0.0.weight, norms.0.running_mean, output_mapping.bias, ...).
#pragma once

#include <optional>
#include <string>

#include <torch/torch.h>

#include "nn/common/pointwise_linear.h"
#include "nn/multires/multires_layer.h"
#include "util/enum_names.h"

namespace longconv::models {

// linear: a 1x1 conv over floats [B, d_input, L]; embedding: an Embedding over int64 tokens [B, L].
enum class InputEncoderType { Linear, Embedding };
extern const EnumNames<InputEncoderType> kInputEncoderNames;

// The options MultiresNet and MultiresAR share: the input encoder and the residual stack of MultiresLayers (the
// reference's layer_type, whose only value is "multires").
struct ResidualStackOptions {
  TORCH_ARG(int64_t, d_model) = 256;
  TORCH_ARG(int64_t, n_layers) = 4;
  TORCH_ARG(double, dropout) = 0.2;
  TORCH_ARG(bool, batchnorm) = false;
  TORCH_ARG(InputEncoderType, encoder) = InputEncoderType::Linear;
  TORCH_ARG(std::optional<int64_t>, n_tokens) = std::nullopt;
  TORCH_ARG(std::optional<int64_t>, max_length) = std::nullopt;
  TORCH_ARG(std::optional<std::string>, hinit) = std::nullopt;
  TORCH_ARG(std::optional<int64_t>, depth) = std::nullopt;
  TORCH_ARG(nn::TreeSelect, tree_select) = nn::TreeSelect::Fading;
  TORCH_ARG(std::optional<int64_t>, d_mem) = std::nullopt;
  TORCH_ARG(int64_t, kernel_size) = 2;
  TORCH_ARG(bool, indep_res_init) = false;
};

// OptionError naming the stack's field: d_model or n_layers < 1, an embedding encoder without n_tokens >= 1, and
// what MultiresLayer refuses of the layer options the stack makes (see multires_layer_options).
void validate(const ResidualStackOptions& stack);

struct MultiresNetOptions {
  explicit MultiresNetOptions(int64_t d_input) : d_input_(d_input) {}
  TORCH_ARG(int64_t, d_input);
  TORCH_ARG(int64_t, d_output) = 10;
  TORCH_ARG(ResidualStackOptions, stack);
};
void validate(const MultiresNetOptions& options);  // d_input, d_output >= 1 and the stack's rules

// Options of each MultiresLayer, as MultiresNet and MultiresAR build them: hinit is the wavelet, max_length the
// seq_len, d_mem the memory_size; with a wavelet its own length is the kernel size.
nn::MultiresLayerOptions multires_layer_options(const ResidualStackOptions& stack);

// The input encoder MultiresNet and MultiresAR share, registered on `owner` as "encoder": Conv1d(d_input, d_model, 1)
// over floats [B, d_input, L] ("linear") or Embedding(n_tokens, d_model) over int64 tokens [B, L] ("embedding").
struct InputEncoder {
  nn::PointwiseLinear linear{nullptr};
  torch::nn::Embedding embedding{nullptr};
  int64_t d_input = 0;

  torch::Tensor forward(const torch::Tensor& x);  // -> [B, d_model, L]
};

InputEncoder register_input_encoder(torch::nn::Module& owner, const ResidualStackOptions& stack, int64_t d_input);

// The residual blocks MultiresNet and MultiresAR share, registered on `owner` as seq_layers.i, mixing_layers.i
// (Conv1d(d, 2d, 1) -> GLU(-2) -> Dropout1d, then Conv1d(d, d, 1) when `output_conv`: MultiresAR's mixing) and
// norms.i (BatchNorm1d or LayerNorm over channels), built layer by layer in the reference's order. The reference's
// kernel-size-1 Conv1d layers (encoder, mixing, MultiresAR's decoder) are nn::PointwiseLinear: the same keys and
// init, and one GEMM per example where LibTorch's conv1d ran at half the cores' peak.
struct ResidualBlocks {
  torch::nn::ModuleList seq_layers{nullptr}, mixing_layers{nullptr}, norms{nullptr};
  bool batchnorm = false;
  // train.checkpoint_activations: each block keeps only its input and recomputes the rest in the backward pass.
  bool checkpoint_activations = false;

  // Block i on h [B, d_model, L]: norm(mixing(layer(h)) + h).
  torch::Tensor forward(size_t i, const torch::Tensor& h);
  torch::Tensor forward(torch::Tensor h);
  size_t size() const { return seq_layers->size(); }
};

ResidualBlocks register_residual_blocks(torch::nn::Module& owner, const ResidualStackOptions& stack, bool output_conv);

// Mean over L of x [B, H, L], counting only steps t < lengths[b] when lengths is defined.
torch::Tensor masked_mean_pool(const torch::Tensor& x, const torch::Tensor& lengths);

class MultiresNetImpl : public torch::nn::Cloneable<MultiresNetImpl> {
 public:
  explicit MultiresNetImpl(MultiresNetOptions options);
  void reset() override;
  // x: [B, d_input, L] floats (linear encoder) or [B, L] int64 tokens (embedding); lengths: [B] or undefined.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& lengths = {});

  MultiresNetOptions options;
  InputEncoder encoder;
  ResidualBlocks blocks;
  torch::nn::Linear output_mapping{nullptr};
};
TORCH_MODULE(MultiresNet);

// norm(z + h) over the channels of [B, C, L] (utils.apply_norm): BatchNorm1d directly, LayerNorm over C as one
// fused pass with the residual add (nn/common/channel_layer_norm.h).
torch::Tensor add_channel_norm(torch::nn::Module& norm, const torch::Tensor& z, const torch::Tensor& h, bool batchnorm);

}  // namespace longconv::models
