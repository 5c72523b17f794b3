// Test helper: CIFAR-10/100 binary-version files (records of label byte(s) then 3x1024 channel-major pixels) with
// deterministic contents.
#pragma once

#include <cstdint>
#include <string>

#include "support/idx_writer.h"

namespace longconv::test {

constexpr int64_t kCifarPixels = 1024;

inline uint8_t cifar_pixel(int64_t example, int64_t channel, int64_t k) {
  return static_cast<uint8_t>((example * 37 + channel * 101 + k * 7) % 256);
}

// `n` records of the CIFAR-10 (label_bytes 1) or CIFAR-100 (2: coarse, fine) layout, numbered from `first`.
inline testing_idx::Bytes cifar_records(int64_t first, int64_t n, int label_bytes, int64_t classes) {
  testing_idx::Bytes out;
  for (int64_t i = first; i < first + n; ++i) {
    if (label_bytes == 2) out.push_back(static_cast<uint8_t>(i % 20));
    out.push_back(static_cast<uint8_t>(i % classes));
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t k = 0; k < kCifarPixels; ++k) out.push_back(cifar_pixel(i, c, k));
  }
  return out;
}

// cifar-10-batches-bin: five training batches of 4 records (examples 0..19) and a test batch of 3 (100..102).
inline void write_cifar10(const std::string& dir) {
  for (int k = 1; k <= 5; ++k)
    testing_idx::write_raw(dir + "/data_batch_" + std::to_string(k) + ".bin", cifar_records(4 * (k - 1), 4, 1, 10));
  testing_idx::write_raw(dir + "/test_batch.bin", cifar_records(100, 3, 1, 10));
}

// cifar-100-binary: train.bin with examples 0..n_train-1, test.bin with 95..95+n_test-1.
inline void write_cifar100(const std::string& dir, int64_t n_train, int64_t n_test) {
  testing_idx::write_raw(dir + "/train.bin", cifar_records(0, n_train, 2, 100));
  testing_idx::write_raw(dir + "/test.bin", cifar_records(95, n_test, 2, 100));
}

}  // namespace longconv::test
