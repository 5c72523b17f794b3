#include "data/image_resize.h"

namespace longconv::data {

torch::Tensor resize_bilinear(const torch::Tensor& image, int64_t height, int64_t width) {
  TORCH_CHECK(image.dim() == 3 && image.scalar_type() == torch::kUInt8,
              "resize_bilinear: expected uint8 [C, H, W], got ", image.scalar_type(), " ", image.sizes());
  TORCH_CHECK(height >= 1 && width >= 1, "resize_bilinear: size ", height, "x", width, " must be at least 1x1");
  if (image.size(1) == height && image.size(2) == width) return image;
  namespace F = torch::nn::functional;
  const torch::Tensor out =
      F::interpolate(image.unsqueeze(0).to(torch::kFloat32), F::InterpolateFuncOptions()
                                                                 .size(std::vector<int64_t>{height, width})
                                                                 .mode(torch::kBilinear)
                                                                 .align_corners(false)
                                                                 .antialias(true));
  return out.squeeze(0).round().clamp(0, 255).to(torch::kUInt8);
}

}  // namespace longconv::data
