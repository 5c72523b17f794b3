#include "models/multires/multires_ar.h"

namespace longconv::models {

int64_t mixture_channels(int64_t d_input, int64_t nr_logistic_mix) { return (d_input == 1 ? 3 : 10) * nr_logistic_mix; }

MultiresARImpl::MultiresARImpl(MultiresAROptions options_) : options(std::move(options_)) { reset(); }

void validate(const MultiresAROptions& o) {
  validate(o.stack());
  check_option(o.nr_logistic_mix(), at_least(1), "MultiresAROptions::nr_logistic_mix");
  // The mixture models one grey channel or three channels predicted one after another (RGB).
  if (o.stack().encoder() == InputEncoderType::Linear)
    check_option(o.d_input(), one_of({1, 3}), "MultiresAROptions::d_input");
}

void MultiresARImpl::reset() {
  const auto& o = options;
  validate(o);
  // Construction order follows the reference, so a seeded init draws the same numbers.
  encoder = register_input_encoder(*this, o.stack(), o.d_input());
  blocks = register_residual_blocks(*this, o.stack(), /*output_conv=*/true);
  d_output = mixture_channels(o.d_input(), o.nr_logistic_mix());
  decoder = register_module("decoder", nn::PointwiseLinear(o.stack().d_model(), d_output, /*data_dim=*/1));
}

torch::Tensor MultiresARImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() >= 2 && x.size(-1) >= 1, "MultiresAR expects a non-empty sequence, got ", x.sizes());
  // Position t sees x[..., < t]: shift right by one, a zero first.
  const auto shifted = torch::constant_pad_nd(x.narrow(-1, 0, x.size(-1) - 1), {1, 0}, 0);
  return decoder(blocks.forward(encoder.forward(shifted)));
}

}  // namespace longconv::models
