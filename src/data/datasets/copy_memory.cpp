#include "data/datasets/copy_memory.h"

#include <stdexcept>
#include <string>

#include "util/random.h"

namespace longconv::data {

Splits make_copy_memory_splits(const CopyMemoryOptions& o) {
  if (o.memory_size < 1)
    throw std::invalid_argument("copy_memory: memory_size must be >= 1, got " + std::to_string(o.memory_size));
  if (o.copy_length < 1)
    throw std::invalid_argument("copy_memory: copy_length must be >= 1, got " + std::to_string(o.copy_length));
  const int64_t T = o.memory_size, K = o.copy_length, L = T + 2 * K;
  auto make = [T, K, L](int64_t, std::mt19937_64& rng) {
    torch::Tensor x = torch::zeros({1, L});
    torch::Tensor y = torch::zeros({L}, torch::kInt64);
    float* xp = x.data_ptr<float>();
    int64_t* yp = y.data_ptr<int64_t>();
    for (int64_t i = 0; i < K; ++i) {
      const auto symbol = static_cast<int64_t>(1 + uniform_below(rng, 8));
      xp[i] = static_cast<float>(symbol);
      yp[T + K + i] = symbol;
    }
    for (int64_t i = T + K - 1; i < L; ++i) xp[i] = 9.0f;
    return Example{x, y, -1};
  };
  DatasetInfo info;
  info.task = Task::Classification;
  info.d_input = 1;
  info.d_output = kCopyMemoryClasses;
  info.max_length = L;
  info.spatial_shape = {L};
  return make_generated_splits(o.sizes, make, info);
}

}  // namespace longconv::data
