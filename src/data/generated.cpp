#include "data/generated.h"

#include <stdexcept>
#include <string>

#include "data/registry.h"
#include "util/random.h"

namespace longconv::data {

GeneratedDataset::GeneratedDataset(int64_t size, uint64_t seed, MakeExample make)
    : size_(size), seed_(seed), make_(std::move(make)) {
  if (size_ < 0) throw std::invalid_argument("GeneratedDataset: negative size " + std::to_string(size_));
}

Example GeneratedDataset::get(int64_t index, std::mt19937_64*) const {
  if (index < 0 || index >= size_)
    throw std::out_of_range("GeneratedDataset: index " + std::to_string(index) + " outside [0, " +
                            std::to_string(size_) + ")");
  std::mt19937_64 rng(mix_seed(seed_, static_cast<uint64_t>(index)));
  return make_(index, rng);
}

void validate(const GeneratedSizes& sizes) {
  check_option(sizes.train_size, at_least(1), "GeneratedSizes::train_size");
  check_option(sizes.test_size, at_least(1), "GeneratedSizes::test_size");
  validate(sizes.split);
}

Bindings<GeneratedSizes> generated_size_bindings() {
  return Bindings<GeneratedSizes>()
      .bind("train_size", &GeneratedSizes::train_size,
            "generated training examples (the validation split is held out of them)", at_least(1))
      .bind("test_size", &GeneratedSizes::test_size, "generated test examples", at_least(1))
      .bind("seed", &GeneratedSizes::seed, "seed of the generated examples")
      .nest(&GeneratedSizes::split, split_bindings())
      .validate([](const GeneratedSizes& o) { validate(o); });
}

Splits make_generated_splits(const GeneratedSizes& sizes, const MakeExample& make, DatasetInfo info) {
  validate(sizes);
  Splits splits =
      split_train(std::make_shared<GeneratedDataset>(sizes.train_size, mix_seed(sizes.seed, 1), make),
                  std::make_shared<GeneratedDataset>(sizes.test_size, mix_seed(sizes.seed, 2), make), sizes.split);
  splits.info = std::move(info);
  return splits;
}

}  // namespace longconv::data
