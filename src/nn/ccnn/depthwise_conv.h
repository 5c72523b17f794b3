// Depthwise (groups = C) cross-correlation on the CPU for 1-3 spatial dims, with its backward:
//   y[b, c, s] = sum_k kernel[c, k] x[b, c, s + k - left]   (x is zero outside its extent; y has x's size).
// LibTorch's CPU grouped convolution is slow for the CCNN's long depthwise kernels (with MKLDNN off, which the
// direct path needs: see kernel_conv.cpp): the CIFAR-10 step with 33x33 kernels took 119 s. Each (b, c) plane is
// padded once into a buffer, so every tap is a shift of one flat array and the taps accumulate in registers; in 2D
// and 3D, blocks of output rows skip the kernel rows that fall on padding (45% of a 33x33 kernel on 32x32 images).
#pragma once

#include <torch/torch.h>

#include <vector>

namespace longconv::nn {

// x [B, C, *S] and kernel [C, *K], float32 or float64 on the CPU; left[d] < K[d] zeros before each spatial dim.
torch::Tensor depthwise_conv(const torch::Tensor& x, const torch::Tensor& kernel, const std::vector<int64_t>& left);

}  // namespace longconv::nn
