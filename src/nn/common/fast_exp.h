// exp for the float32 paths of longconv's CPU kernels (nn/gelu, nn/glu), where LibTorch 1.13 calls Sleef's expf: a
// polynomial in straight-line code that the kernels' loops vectorise. float64 keeps std::exp, so the float64 golden
// cases stay exact.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace longconv::nn {

// exp(a) for a <= 0: 2^n exp(r) with |r| <= ln2 / 2 and a degree-7 polynomial (relative error < 1e-8); straight-line
// code, so the loops that call it vectorise.
inline float exp_of(float a) {
  const float x = a < -87.0f ? -87.0f : a;
  const int32_t k = static_cast<int32_t>(x * 1.44269504088896341f + 128.5f) - 128;  // round(x log2 e); the sum is >= 0
  const float n = static_cast<float>(k);
  const float r = x - n * 0.693145751953125f - n * 1.428606765330187e-06f;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (k + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline double exp_of(double x) { return std::exp(x); }

}  // namespace longconv::nn
