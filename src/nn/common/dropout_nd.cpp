#include "nn/common/dropout_nd.h"

#include "nn/common/dropout1d.h"

namespace longconv::nn {

const EnumNames<DropoutType> kDropoutTypeNames = {{"Dropout", DropoutType::Dropout},
                                                  {"Dropout1d", DropoutType::Dropout1d},
                                                  {"Dropout2d", DropoutType::Dropout2d},
                                                  {"Dropout3d", DropoutType::Dropout3d}};
const Constraint kDropoutProbability = in_closed(0, 1);

DropoutNdImpl::DropoutNdImpl(double p_, bool channelwise_) : p(p_), channelwise(channelwise_) {
  check_option(p_, kDropoutProbability, "dropout probability");
}

torch::Tensor DropoutNdImpl::forward(const torch::Tensor& x) {
  if (!is_training() || p == 0.0) return x;
  return channelwise ? torch::feature_dropout(x, p, true) : torch::dropout(x, p, true);
}

torch::Tensor DropoutNdImpl::channel_scale(const torch::Tensor& x) {
  TORCH_CHECK(has_channel_scale(), "DropoutNd::channel_scale: an elementwise dropout (p = ", p,
              ") has no channel scale");
  if (!is_training() || p == 0.0) return {};
  TORCH_CHECK(x.dim() >= 2, "DropoutNd::channel_scale expects x of shape [B, C, *], got ", x.sizes());
  return channel_keep_scale(p, x.size(0), x.size(1), x.options());
}

DropoutNd make_dropout(DropoutType type, double p) { return DropoutNd(p, type != DropoutType::Dropout); }

}  // namespace longconv::nn
