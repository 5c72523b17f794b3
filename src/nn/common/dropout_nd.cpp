#include "nn/common/dropout_nd.h"

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

DropoutNd make_dropout(DropoutType type, double p) { return DropoutNd(p, type != DropoutType::Dropout); }

}  // namespace longconv::nn
