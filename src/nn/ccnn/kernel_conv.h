// Convolution of x [B, C, *S] with a sampled kernel (ckconv/nn/functional), output [B, O, *S]:
//   causal (1D only): an even kernel gets one zero tap prepended (K' = K + 1), x is left-padded by K' - 1, and the
//     last tap hits the current sample (cross-correlation);
//   centred: x is padded by K_d // 2 per side (odd kernels; a 1D even kernel gets a zero tap prepended too).
// kernel: [1, C, *K] when separable (depthwise, groups = C) or [O, C, *K]. bias: [C] (separable) / [O] or undefined.
// Direct path: conv1d/2d/3d. FFT path: rfftn / irfftn over the spatial dims.
#pragma once

#include <torch/torch.h>

namespace longconv::nn {

enum class FftLength {
  Reference,  // as Fast, except 1D with an odd N = L + K' - 1: the reference's N and its odd-length irfft quirk
  Fast,       // the smallest 2^a 3^b 5^c length >= L + K' - 1: the exact linear correlation
};

struct KernelConvOptions {
  TORCH_ARG(bool, separable) = false;
  TORCH_ARG(bool, causal) = false;
  TORCH_ARG(bool, fft) = false;
  TORCH_ARG(FftLength, fft_length) = FftLength::Reference;
};

torch::Tensor kernel_conv(const torch::Tensor& x, const torch::Tensor& kernel, const torch::Tensor& bias,
                          const KernelConvOptions& options);

// Whether FftLength::Reference changes the result for these shapes: 1D with an odd N = L + K' - 1 (K' the kernel's
// length after an even kernel gets its zero tap), where the reference's irfft returns N - 1 samples.
bool reference_fft_quirk(at::IntArrayRef x_sizes, at::IntArrayRef kernel_sizes);

// Rough relative times of one forward on the direct and the FFT path, for choosing between them ("auto").
struct ConvCost {
  double direct, fft;
};
ConvCost kernel_conv_cost(at::IntArrayRef x_sizes, at::IntArrayRef kernel_sizes, bool separable);

}  // namespace longconv::nn
