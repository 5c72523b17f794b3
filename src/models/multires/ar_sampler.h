// Sampling images from MultiresAR, pixel by pixel in raster order (autoregressive_eval.py's `sample`), in two ways
// that consume the same noise: per position, draw_mixture_noise({n}, nr_mix, channels) from the generator.
//   - streaming: MultiresARStream, O(1) work per new position in the sequence length, each thread streaming its
//     own slice of the images;
//   - full recompute: the reference's algorithm, one full forward over the whole canvas per new position (baseline
//     and oracle).
// Both return x [n, d_input, length] in [-1, 1]; positions past `positions` stay 0.
#pragma once

#include <cstdint>
#include <optional>

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include "models/multires/multires_ar.h"

namespace longconv::models {

struct SampleOptions {
  int64_t n = 64;                        // images
  int64_t length = 0;                    // positions per image (H * W)
  std::optional<int64_t> positions;      // sample only the first positions (benchmarks); default: all
  torch::Dtype dtype = torch::kFloat32;  // the module's dtype
};

// The module must be a linear-encoder MultiresAR in eval mode on the CPU.
torch::Tensor sample_streaming(MultiresAR net, const SampleOptions& options, at::Generator& generator);
torch::Tensor sample_full_recompute(MultiresAR net, const SampleOptions& options, at::Generator& generator);

}  // namespace longconv::models
