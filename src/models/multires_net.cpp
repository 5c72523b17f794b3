#include "models/multires_net.h"

#include "nn/dropout1d.h"

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

MultiresNetImpl::MultiresNetImpl(MultiresNetOptions options_) : options(std::move(options_)) { reset(); }

void MultiresNetImpl::reset() {
  const auto& o = options;
  TORCH_CHECK(o.layer_type() == "multires", "MultiresNet layer_type must be 'multires', got '", o.layer_type(), "'");
  TORCH_CHECK(o.d_model() >= 1, "MultiresNet d_model must be >= 1, got ", o.d_model());
  TORCH_CHECK(o.n_layers() >= 1, "MultiresNet n_layers must be >= 1, got ", o.n_layers());
  TORCH_CHECK(o.d_output() >= 1, "MultiresNet d_output must be >= 1, got ", o.d_output());
  // Construction order follows the reference, so a seeded init draws the same numbers.
  if (o.encoder() == "linear") {
    TORCH_CHECK(o.d_input() >= 1, "MultiresNet d_input must be >= 1, got ", o.d_input());
    linear_encoder = register_module("encoder", torch::nn::Conv1d(torch::nn::Conv1dOptions(o.d_input(), o.d_model(), 1)));
  } else if (o.encoder() == "embedding") {
    TORCH_CHECK(o.n_tokens() && *o.n_tokens() >= 1, "MultiresNet with encoder 'embedding' needs n_tokens >= 1");
    token_encoder = register_module("encoder", torch::nn::Embedding(*o.n_tokens(), o.d_model()));
  } else {
    TORCH_CHECK(false, "MultiresNet encoder must be 'linear' or 'embedding', got '", o.encoder(), "'");
  }
  seq_layers = register_module("seq_layers", torch::nn::ModuleList());
  mixing_layers = register_module("mixing_layers", torch::nn::ModuleList());
  norms = register_module("norms", torch::nn::ModuleList());
  for (int64_t i = 0; i < o.n_layers(); ++i) {
    seq_layers->push_back(nn::MultiresLayer(multires_layer_options(o.d_model(), o.kernel_size(), o.depth(), o.hinit(),
                                                                   o.tree_select(), o.max_length(), o.dropout(),
                                                                   o.d_mem(), o.indep_res_init())));
    mixing_layers->push_back(torch::nn::Sequential(
        torch::nn::Conv1d(torch::nn::Conv1dOptions(o.d_model(), 2 * o.d_model(), 1)),
        torch::nn::GLU(torch::nn::GLUOptions(-2)), nn::Dropout1d(o.dropout())));
    if (o.batchnorm()) {
      norms->push_back(torch::nn::BatchNorm1d(o.d_model()));
    } else {
      norms->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model()})));
    }
  }
  output_mapping = register_module("output_mapping", torch::nn::Linear(o.d_model(), o.d_output()));
}

torch::Tensor MultiresNetImpl::forward(const torch::Tensor& x, const torch::Tensor& lengths) {
  torch::Tensor h;
  if (token_encoder) {
    TORCH_CHECK(x.dim() == 2 && !x.is_floating_point(), "MultiresNet with an embedding encoder expects int64 tokens [B, L], got ",
                x.sizes(), " ", x.scalar_type());
    h = token_encoder(x).transpose(-1, -2);
  } else {
    TORCH_CHECK(x.dim() == 3 && x.size(1) == options.d_input(), "MultiresNet expects x of shape [B, ",
                options.d_input(), ", L], got ", x.sizes());
    h = linear_encoder(x);
  }
  for (size_t i = 0; i < seq_layers->size(); ++i) {
    auto z = seq_layers[i]->as<nn::MultiresLayer>()->forward(h);
    z = mixing_layers[i]->as<torch::nn::Sequential>()->forward(z);
    h = apply_channel_norm(*norms[i], z + h, options.batchnorm());
  }
  return output_mapping(masked_mean_pool(h, lengths));
}

}  // namespace longconv::models
