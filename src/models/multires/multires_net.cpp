#include "models/multires/multires_net.h"

#include "nn/common/dropout1d.h"

namespace longconv::models {

nn::MultiresLayerOptions multires_layer_options(int64_t d_model, int64_t kernel_size, std::optional<int64_t> depth,
                                                const std::optional<std::string>& hinit, const std::string& tree_select,
                                                std::optional<int64_t> max_length, double dropout,
                                                std::optional<int64_t> d_mem, bool indep_res_init) {
  // The reference passes kernel_size even with a wavelet; a wavelet of another length fails there at the first
  // forward, so here the wavelet's own length wins and kernel_size only matters without one.
  return nn::MultiresLayerOptions(d_model)
      .kernel_size(hinit ? std::nullopt : std::optional<int64_t>(kernel_size))
      .depth(depth)
      .wavelet_init(hinit)
      .tree_select(tree_select)
      .seq_len(max_length)
      .dropout(dropout)
      .memory_size(d_mem)
      .indep_res_init(indep_res_init);
}

void check_stack_options(const ResidualStackOptions& stack, const std::string& model) {
  TORCH_CHECK(stack.layer_type() == "multires", model, " layer_type must be 'multires', got '", stack.layer_type(),
              "'");
  TORCH_CHECK(stack.d_model() >= 1, model, " d_model must be >= 1, got ", stack.d_model());
  TORCH_CHECK(stack.n_layers() >= 1, model, " n_layers must be >= 1, got ", stack.n_layers());
}

torch::Tensor masked_mean_pool(const torch::Tensor& x, const torch::Tensor& lengths) {
  if (!lengths.defined()) return x.mean(-1);
  TORCH_CHECK(lengths.dim() == 1 && lengths.size(0) == x.size(0), "lengths must have shape [", x.size(0), "], got ",
              lengths.sizes());
  const auto len = lengths.to(x.device());
  auto mask = torch::arange(x.size(-1), len.options()).unsqueeze(0) < len.unsqueeze(1);
  return (mask.unsqueeze(1) * x).sum(-1) / len.unsqueeze(1).to(x.scalar_type());
}

torch::Tensor apply_channel_norm(torch::nn::Module& norm, const torch::Tensor& x, bool batchnorm) {
  if (batchnorm) return norm.as<torch::nn::BatchNorm1d>()->forward(x);
  return norm.as<torch::nn::LayerNorm>()->forward(x.transpose(-1, -2)).transpose(-1, -2);
}

torch::Tensor InputEncoder::forward(const torch::Tensor& x) {
  if (embedding) {
    TORCH_CHECK(x.dim() == 2 && !x.is_floating_point(), "an embedding encoder expects int64 tokens [B, L], got ",
                x.sizes(), " ", x.scalar_type());
    return embedding->forward(x).transpose(-1, -2);
  }
  TORCH_CHECK(x.dim() == 3 && x.size(1) == d_input, "a linear encoder expects x of shape [B, ", d_input, ", L], got ",
              x.sizes());
  return linear->forward(x);
}

InputEncoder register_input_encoder(torch::nn::Module& owner, const std::string& model,
                                    const ResidualStackOptions& stack, int64_t d_input) {
  const auto& encoder = stack.encoder();
  const auto& n_tokens = stack.n_tokens();
  const int64_t d_model = stack.d_model();
  InputEncoder e;
  e.d_input = d_input;
  if (encoder == "linear") {
    TORCH_CHECK(d_input >= 1, model, " d_input must be >= 1, got ", d_input);
    e.linear = owner.register_module("encoder", torch::nn::Conv1d(torch::nn::Conv1dOptions(d_input, d_model, 1)));
  } else if (encoder == "embedding") {
    TORCH_CHECK(n_tokens && *n_tokens >= 1, model, " with encoder 'embedding' needs n_tokens >= 1");
    e.embedding = owner.register_module("encoder", torch::nn::Embedding(*n_tokens, d_model));
  } else {
    TORCH_CHECK(false, model, " encoder must be 'linear' or 'embedding', got '", encoder, "'");
  }
  return e;
}

torch::Tensor ResidualBlocks::forward(size_t i, const torch::Tensor& h) {
  auto z = seq_layers[i]->as<nn::MultiresLayer>()->forward(h);
  z = mixing_layers[i]->as<torch::nn::Sequential>()->forward(z);
  return apply_channel_norm(*norms[i], z + h, batchnorm);
}

torch::Tensor ResidualBlocks::forward(torch::Tensor h) {
  for (size_t i = 0; i < size(); ++i) h = forward(i, h);
  return h;
}

ResidualBlocks register_residual_blocks(torch::nn::Module& owner, const ResidualStackOptions& stack, bool output_conv) {
  const auto layer =
      multires_layer_options(stack.d_model(), stack.kernel_size(), stack.depth(), stack.hinit(), stack.tree_select(),
                             stack.max_length(), stack.dropout(), stack.d_mem(), stack.indep_res_init());
  const int64_t d = stack.d_model();
  const bool batchnorm = stack.batchnorm();
  ResidualBlocks b;
  b.batchnorm = batchnorm;
  b.seq_layers = owner.register_module("seq_layers", torch::nn::ModuleList());
  b.mixing_layers = owner.register_module("mixing_layers", torch::nn::ModuleList());
  b.norms = owner.register_module("norms", torch::nn::ModuleList());
  for (int64_t i = 0; i < stack.n_layers(); ++i) {
    b.seq_layers->push_back(nn::MultiresLayer(layer));
    torch::nn::Sequential mixing(torch::nn::Conv1d(torch::nn::Conv1dOptions(d, 2 * d, 1)),
                                 torch::nn::GLU(torch::nn::GLUOptions(-2)), nn::Dropout1d(layer.dropout()));
    if (output_conv) mixing->push_back(torch::nn::Conv1d(torch::nn::Conv1dOptions(d, d, 1)));
    b.mixing_layers->push_back(mixing);
    if (batchnorm) {
      b.norms->push_back(torch::nn::BatchNorm1d(d));
    } else {
      b.norms->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    }
  }
  return b;
}

MultiresNetImpl::MultiresNetImpl(MultiresNetOptions options_) : options(std::move(options_)) { reset(); }

void MultiresNetImpl::reset() {
  const auto& o = options;
  check_stack_options(o.stack(), "MultiresNet");
  TORCH_CHECK(o.d_output() >= 1, "MultiresNet d_output must be >= 1, got ", o.d_output());
  // Construction order follows the reference, so a seeded init draws the same numbers.
  encoder = register_input_encoder(*this, "MultiresNet", o.stack(), o.d_input());
  blocks = register_residual_blocks(*this, o.stack(), /*output_conv=*/false);
  output_mapping = register_module("output_mapping", torch::nn::Linear(o.stack().d_model(), o.d_output()));
}

torch::Tensor MultiresNetImpl::forward(const torch::Tensor& x, const torch::Tensor& lengths) {
  const torch::Tensor h = blocks.forward(encoder.forward(x));
  return output_mapping(masked_mean_pool(h, lengths));
}

}  // namespace longconv::models
