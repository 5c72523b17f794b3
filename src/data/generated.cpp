#include "data/generated.h"

#include <stdexcept>
#include <string>

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

Splits make_generated_splits(const GeneratedSizes& sizes, const MakeExample& make, DatasetInfo info) {
  if (sizes.train_size < 1)
    throw std::invalid_argument("train_size must be >= 1, got " + std::to_string(sizes.train_size));
  if (sizes.test_size < 1)
    throw std::invalid_argument("test_size must be >= 1, got " + std::to_string(sizes.test_size));
  if (!(sizes.val_split >= 0.0 && sizes.val_split < 1.0))
    throw std::invalid_argument("val_split " + std::to_string(sizes.val_split) + " outside [0, 1)");
  Splits splits;
  auto full_train = std::make_shared<GeneratedDataset>(sizes.train_size, mix_seed(sizes.seed, 1), make);
  if (sizes.val_split > 0.0) {
    auto [train_idx, val_idx] = split_indices(full_train->size(), sizes.val_split, sizes.split_seed);
    splits.train = std::make_shared<Subset>(full_train, std::move(train_idx));
    splits.val = std::make_shared<Subset>(full_train, std::move(val_idx));
  } else {
    splits.train = full_train;
  }
  splits.test = std::make_shared<GeneratedDataset>(sizes.test_size, mix_seed(sizes.seed, 2), make);
  splits.info = std::move(info);
  return splits;
}

}  // namespace longconv::data
