#include "models/multires/multires_model_stream.h"

#include "nn/common/batch_norm.h"
#include "nn/common/gelu.h"
#include "nn/common/glu.h"

namespace longconv::models {
namespace {

void check_eval(const torch::nn::Module& module, const char* name) {
  TORCH_CHECK(!module.is_training(), name,
              " streams in eval mode only (dropout and BatchNorm act per batch in "
              "training); call eval() first");
}

}  // namespace

ResidualBlocksStream::ResidualBlocksStream(ResidualBlocks blocks, int64_t batch, torch::Dtype dtype)
    : batchnorm_(blocks.batchnorm) {
  for (size_t i = 0; i < blocks.size(); ++i) {
    nn::MultiresLayer conv(blocks.seq_layers->ptr<nn::MultiresLayerImpl>(i));
    nn::MultiresConvStream stream(conv->plan, batch, conv->options.d_model(), dtype);
    auto* mixing = blocks.mixing_layers[i]->as<torch::nn::Sequential>();
    nn::PointwiseLinear mix_out{nullptr};
    if (mixing->size() == 4) mix_out = nn::PointwiseLinear(mixing->ptr<nn::PointwiseLinearImpl>(3));
    layers_.push_back({conv, std::move(stream), nn::PointwiseLinear(mixing->ptr<nn::PointwiseLinearImpl>(0)), mix_out,
                       blocks.norms->ptr(i)});
  }
}

torch::Tensor ResidualBlocksStream::step(torch::Tensor h) {
  for (auto& layer : layers_) {
    // Dropout and Dropout1d are the identity in eval mode.
    auto z = nn::glu(
        pointwise(layer.mix_in, nn::gelu(layer.stream.step(h, layer.conv->h0, layer.conv->h1, layer.conv->w))), -1);
    if (layer.mix_out) z = pointwise(layer.mix_out, z);
    z = z + h;
    h = batchnorm_ ? layer.norm->as<nn::BatchNorm>()->forward(z) : layer.norm->as<torch::nn::LayerNorm>()->forward(z);
  }
  return h;
}

torch::Tensor pointwise(const nn::PointwiseLinear& conv, const torch::Tensor& x) {
  return torch::linear(x, conv->weight.squeeze(-1), conv->bias);
}

torch::Tensor encode_position(InputEncoder& encoder, const torch::Tensor& x) {
  if (encoder.linear) return pointwise(encoder.linear, x);
  return encoder.forward(x.unsqueeze(-1)).squeeze(-1);
}

MultiresNetStream::MultiresNetStream(MultiresNet net, int64_t batch, torch::Dtype dtype)
    : net_(std::move(net)), blocks_(net_->blocks, batch, dtype) {
  check_eval(*net_, "MultiresNet");
}

torch::Tensor MultiresNetStream::step(const torch::Tensor& x) {
  const auto h = blocks_.step(encode_position(net_->encoder, x));
  sum_ = seen_ == 0 ? h : sum_ + h;
  ++seen_;
  return net_->output_mapping(sum_ / static_cast<double>(seen_));
}

MultiresARStream::MultiresARStream(MultiresAR net, int64_t batch, torch::Dtype dtype)
    : net_(std::move(net)), blocks_(net_->blocks, batch, dtype), batch_(batch), dtype_(dtype) {
  check_eval(*net_, "MultiresAR");
}

torch::Tensor MultiresARStream::first_input() const {
  if (net_->encoder.embedding) return torch::zeros({batch_}, torch::kLong);
  return torch::zeros({batch_, net_->options.d_input()}, torch::TensorOptions().dtype(dtype_));
}

torch::Tensor MultiresARStream::step(const torch::Tensor& previous) {
  return pointwise(net_->decoder, blocks_.step(encode_position(net_->encoder, previous)));
}

}  // namespace longconv::models
