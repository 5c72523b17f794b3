#include "data/datasets/copy_memory.h"

#include <stdexcept>
#include <string>

#include "data/registry.h"
#include "util/random.h"

namespace longconv::data {

void validate(const CopyMemoryOptions& o) {
  check_option(o.memory_size, at_least(1), "CopyMemoryOptions::memory_size");
  check_option(o.copy_length, at_least(1), "CopyMemoryOptions::copy_length");
  validate(o.sizes);
}

Splits make_copy_memory_splits(const CopyMemoryOptions& o) {
  validate(o);
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

DatasetType copy_memory_dataset_type() {
  auto bindings =
      Bindings<CopyMemoryOptions>()
          .bind("memory_size", &CopyMemoryOptions::memory_size,
                "T: blank steps between the symbols and the marker; length T + 2 copy_length", at_least(1))
          .bind("copy_length", &CopyMemoryOptions::copy_length, "K: symbols to remember and copy", at_least(1))
          .nest(&CopyMemoryOptions::sizes, generated_size_bindings())
          .validate([](const CopyMemoryOptions& o) { validate(o); });
  return bound_dataset_type<CopyMemoryOptions>(
      "copy_memory", "generated copy memory task: recall 10 symbols after T blanks, 10 classes per step",
      std::move(bindings), make_copy_memory_splits);
}

}  // namespace longconv::data
