#include "models/multires_stream.h"

namespace longconv::models {
namespace {

void check_eval(const torch::nn::Module& module, const char* name) {
  TORCH_CHECK(!module.is_training(), name, " streams in eval mode only (dropout and BatchNorm act per batch in "
              "training); call eval() first");
}

std::vector<nn::MultiresConvStream> layer_streams(ResidualBlocks blocks, int64_t batch, torch::Dtype dtype) {
  std::vector<nn::MultiresConvStream> convs;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto& layer = *blocks.seq_layers[i]->as<nn::MultiresLayer>();
    convs.emplace_back(layer.plan, batch, layer.options.d_model(), dtype);
  }
  return convs;
}

}  // namespace

ResidualBlocksStream::ResidualBlocksStream(ResidualBlocks blocks, int64_t batch, torch::Dtype dtype)
    : blocks_(std::move(blocks)), convs_(layer_streams(blocks_, batch, dtype)) {}

torch::Tensor ResidualBlocksStream::step(torch::Tensor h) {
  for (size_t i = 0; i < convs_.size(); ++i) {
    auto& layer = *blocks_.seq_layers[i]->as<nn::MultiresLayer>();
    // Dropout1d is the identity in eval mode; the mixing and the norm see one position as [B, d_model, 1].
    auto z = torch::gelu(convs_[i].step(h, layer.h0, layer.h1, layer.w)).unsqueeze(-1);
    z = blocks_.mixing_layers[i]->as<torch::nn::Sequential>()->forward(z);
    h = apply_channel_norm(*blocks_.norms[i], z + h.unsqueeze(-1), blocks_.batchnorm).squeeze(-1);
  }
  return h;
}

torch::Tensor encode_position(InputEncoder& encoder, const torch::Tensor& x) {
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
  const auto h = blocks_.step(encode_position(net_->encoder, previous));
  return net_->decoder(h.unsqueeze(-1)).squeeze(-1);
}

}  // namespace longconv::models
