#include "models/multires/multires_net.h"

#include "nn/common/activation_checkpoint.h"
#include "nn/common/batch_norm.h"
#include "nn/common/channel_layer_norm.h"
#include "nn/common/dropout1d.h"
#include "nn/common/glu.h"

namespace longconv::models {

const EnumNames<InputEncoderType> kInputEncoderNames = {{"linear", InputEncoderType::Linear},
                                                        {"embedding", InputEncoderType::Embedding}};

nn::MultiresLayerOptions multires_layer_options(const ResidualStackOptions& stack) {
  // The reference passes kernel_size even with a wavelet; a wavelet of another length fails there at the first
  // forward, so here the wavelet's own length wins and kernel_size only matters without one.
  return nn::MultiresLayerOptions(stack.d_model())
      .kernel_size(stack.hinit() ? std::nullopt : std::optional<int64_t>(stack.kernel_size()))
      .depth(stack.depth())
      .wavelet_init(stack.hinit())
      .tree_select(stack.tree_select())
      .seq_len(stack.max_length())
      .dropout(stack.dropout())
      .memory_size(stack.d_mem())
      .indep_res_init(stack.indep_res_init());
}

void validate(const ResidualStackOptions& stack) {
  check_option(stack.d_model(), at_least(1), "ResidualStackOptions::d_model");
  check_option(stack.n_layers(), at_least(1), "ResidualStackOptions::n_layers");
  if (stack.encoder() == InputEncoderType::Embedding) {
    check_option_rule(stack.n_tokens().has_value(), stack.n_tokens(), "ResidualStackOptions::n_tokens",
                      "expected a value with the embedding encoder, got null");
    check_option(stack.n_tokens(), at_least(1), "ResidualStackOptions::n_tokens");
  }
  // The layer's rules, re-addressed to the stack field each layer option comes from.
  const nn::MultiresLayerOptions layer = multires_layer_options(stack);
  try {
    nn::validate(layer);
  } catch (const OptionError& e) {
    const std::pair<const void*, const void*> fields[] = {
        {&layer.d_model(), &stack.d_model()},    {&layer.kernel_size(), &stack.kernel_size()},
        {&layer.depth(), &stack.depth()},        {&layer.wavelet_init(), &stack.hinit()},
        {&layer.seq_len(), &stack.max_length()}, {&layer.dropout(), &stack.dropout()},
        {&layer.memory_size(), &stack.d_mem()}};
    for (const auto& [from, to] : fields)
      if (e.field() == from) throw OptionError(to, e.name(), e.reason());
    throw;
  }
}

torch::Tensor masked_mean_pool(const torch::Tensor& x, const torch::Tensor& lengths) {
  if (!lengths.defined()) return x.mean(-1);
  TORCH_CHECK(lengths.dim() == 1 && lengths.size(0) == x.size(0), "lengths must have shape [", x.size(0), "], got ",
              lengths.sizes());
  const auto len = lengths.to(x.device());
  auto mask = torch::arange(x.size(-1), len.options()).unsqueeze(0) < len.unsqueeze(1);
  return (mask.unsqueeze(1) * x).sum(-1) / len.unsqueeze(1).to(x.scalar_type());
}

torch::Tensor add_channel_norm(torch::nn::Module& norm, const torch::Tensor& z, const torch::Tensor& h,
                               bool batchnorm) {
  if (batchnorm) return norm.as<nn::BatchNorm>()->forward(z + h);
  const auto& ln = *norm.as<torch::nn::LayerNorm>();
  return nn::add_channel_layer_norm(z, h, ln.weight, ln.bias, ln.options.eps());
}

torch::Tensor InputEncoder::forward(const torch::Tensor& x) {
  if (embedding) {
    TORCH_CHECK(x.dim() == 2 && !x.is_floating_point(), "an embedding encoder expects int64 tokens [B, L], got ",
                x.sizes(), " ", x.scalar_type());
    return embedding->forward(x).transpose(-1, -2);
  }
  TORCH_CHECK(x.dim() == 3 && x.size(1) == d_input && x.is_floating_point(),
              "a linear encoder expects float x of shape [B, d_input=", d_input, ", L], got ", x.sizes(), " ",
              x.scalar_type());
  return linear->forward(x);
}

InputEncoder register_input_encoder(torch::nn::Module& owner, const ResidualStackOptions& stack, int64_t d_input) {
  const int64_t d_model = stack.d_model();
  InputEncoder e;
  e.d_input = d_input;
  if (stack.encoder() == InputEncoderType::Linear)
    e.linear = owner.register_module("encoder", nn::PointwiseLinear(d_input, d_model, /*data_dim=*/1));
  else
    e.embedding = owner.register_module("encoder", torch::nn::Embedding(*stack.n_tokens(), d_model));
  return e;
}

namespace {

// mixing_layers.i: GLU then Dropout1d in one pass (the modules stay in the Sequential, as the reference's are).
torch::Tensor mixing_forward(torch::nn::SequentialImpl& mixing, const torch::Tensor& x) {
  auto z = mixing.ptr<nn::PointwiseLinearImpl>(0)->forward(x);
  const int64_t d = z.size(1) / 2;
  z = nn::glu(z, -2, mixing.ptr<nn::Dropout1dImpl>(2)->channel_scale(z.size(0), d, z.options()));
  if (mixing.size() == 4) z = mixing.ptr<nn::PointwiseLinearImpl>(3)->forward(z);
  return z;
}

}  // namespace

torch::Tensor ResidualBlocks::forward(size_t i, const torch::Tensor& h) {
  auto z = seq_layers[i]->as<nn::MultiresLayer>()->forward(h);
  z = mixing_forward(*mixing_layers[i]->as<torch::nn::Sequential>(), z);
  return add_channel_norm(*norms[i], z, h, batchnorm);
}

torch::Tensor ResidualBlocks::forward(torch::Tensor h) {
  for (size_t i = 0; i < size(); ++i) {
    if (checkpoint_activations) {
      h = nn::checkpoint(
          {seq_layers[i], mixing_layers[i], norms[i]}, [this, i](const torch::Tensor& x) { return forward(i, x); }, h);
    } else {
      h = forward(i, h);
    }
  }
  return h;
}

ResidualBlocks register_residual_blocks(torch::nn::Module& owner, const ResidualStackOptions& stack, bool output_conv) {
  const auto layer = multires_layer_options(stack);
  const int64_t d = stack.d_model();
  const bool batchnorm = stack.batchnorm();
  ResidualBlocks b;
  b.batchnorm = batchnorm;
  b.seq_layers = owner.register_module("seq_layers", torch::nn::ModuleList());
  b.mixing_layers = owner.register_module("mixing_layers", torch::nn::ModuleList());
  b.norms = owner.register_module("norms", torch::nn::ModuleList());
  for (int64_t i = 0; i < stack.n_layers(); ++i) {
    b.seq_layers->push_back(nn::MultiresLayer(layer));
    torch::nn::Sequential mixing(nn::PointwiseLinear(d, 2 * d, /*data_dim=*/1), nn::Glu(-2),
                                 nn::Dropout1d(layer.dropout()));
    if (output_conv) mixing->push_back(nn::PointwiseLinear(d, d, /*data_dim=*/1));
    b.mixing_layers->push_back(mixing);
    if (batchnorm) {
      b.norms->push_back(nn::BatchNorm(d));
    } else {
      b.norms->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
    }
  }
  return b;
}

void validate(const MultiresNetOptions& o) {
  check_option(o.d_input(), at_least(1), "MultiresNetOptions::d_input");
  check_option(o.d_output(), at_least(1), "MultiresNetOptions::d_output");
  validate(o.stack());
}

MultiresNetImpl::MultiresNetImpl(MultiresNetOptions options_) : options(std::move(options_)) { reset(); }

void MultiresNetImpl::reset() {
  const auto& o = options;
  validate(o);
  // Construction order follows the reference, so a seeded init draws the same numbers.
  encoder = register_input_encoder(*this, o.stack(), o.d_input());
  blocks = register_residual_blocks(*this, o.stack(), /*output_conv=*/false);
  output_mapping = register_module("output_mapping", torch::nn::Linear(o.stack().d_model(), o.d_output()));
}

torch::Tensor MultiresNetImpl::forward(const torch::Tensor& x, const torch::Tensor& lengths) {
  const torch::Tensor h = blocks.forward(encoder.forward(x));
  return output_mapping(masked_mean_pool(h, lengths));
}

}  // namespace longconv::models
