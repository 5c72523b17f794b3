#include "nn/common/dropout_nd.h"

#include <stdexcept>

namespace longconv::nn {

DropoutNdImpl::DropoutNdImpl(double p_, bool channelwise_) : p(p_), channelwise(channelwise_) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::runtime_error("net.dropout: expected a probability in [0, 1], got " + std::to_string(p));
}

torch::Tensor DropoutNdImpl::forward(const torch::Tensor& x) {
  if (!is_training() || p == 0.0) return x;
  return channelwise ? torch::feature_dropout(x, p, true) : torch::dropout(x, p, true);
}

DropoutNd make_dropout(const std::string& type, double p) {
  if (type == "Dropout") return DropoutNd(p, false);
  if (type == "Dropout1d" || type == "Dropout2d" || type == "Dropout3d") return DropoutNd(p, true);
  throw std::runtime_error("net.dropout_type: unknown '" + type +
                           "' (known: Dropout, Dropout1d, Dropout2d, Dropout3d)");
}

}  // namespace longconv::nn
