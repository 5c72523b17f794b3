// Test helper: one split of an MNIST-layout directory (<split>-images-idx3-ubyte, <split>-labels-idx1-ubyte), raw or
// gzip-compressed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "support/idx_writer.h"

namespace longconv::test {

constexpr uint32_t kMnistSide = 28;

using MnistPixelFn = std::function<uint8_t(int64_t example, int64_t pixel)>;

inline uint8_t mnist_varied_pixel(int64_t example, int64_t pixel) {
  return static_cast<uint8_t>((example * 31 + pixel * 7) % 256);
}

// `n` 28x28 images (example i has label i % 10) as <dir>/<split>-{images-idx3,labels-idx1}-ubyte[.gz].
inline void write_mnist_split(const std::string& dir, const std::string& split, int64_t n,
                              const MnistPixelFn& pixel = mnist_varied_pixel, bool gz = false) {
  using namespace testing_idx;
  Bytes images, labels;
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < int64_t{kMnistSide} * kMnistSide; ++k) images.push_back(pixel(i, k));
    labels.push_back(static_cast<uint8_t>(i % 10));
  }
  const auto un = static_cast<uint32_t>(n);
  const std::string base = dir + "/" + split;
  const std::string suffix = gz ? ".gz" : "";
  const auto write = gz ? write_gz : write_raw;
  write(base + "-images-idx3-ubyte" + suffix, idx_u8({un, kMnistSide, kMnistSide}, images));
  write(base + "-labels-idx1-ubyte" + suffix, idx_u8({un}, labels));
}

}  // namespace longconv::test
