// Datasets generated in code: example i of a split is drawn by `make` from its own generator seeded by (seed, i), so
// any example can be made on demand, on any loader thread, identically on every platform (util/random.h).
#pragma once

#include <cstdint>
#include <functional>
#include <random>

#include "config/binding.h"
#include "data/dataset.h"

namespace longconv::data {

using MakeExample = std::function<Example(int64_t index, std::mt19937_64& rng)>;

class GeneratedDataset : public Dataset {
 public:
  GeneratedDataset(int64_t size, uint64_t seed, MakeExample make);
  int64_t size() const override { return size_; }
  Example get(int64_t index, std::mt19937_64* rng) const override;

 private:
  int64_t size_;
  uint64_t seed_;
  MakeExample make_;
};

struct GeneratedSizes {
  int64_t train_size = 0;  // before the validation split is held out of it
  int64_t test_size = 0;
  uint64_t seed = 0;  // the train and test sets use different streams derived from it
  SplitOptions split;
};
void validate(const GeneratedSizes& sizes);

// train_size, test_size, seed, val_split, split_seed (defaults: the prototype's).
Bindings<GeneratedSizes> generated_size_bindings();

// Train (minus a validation split, as for files) and test sets of `make`'s examples, with `info` attached.
Splits make_generated_splits(const GeneratedSizes& sizes, const MakeExample& make, DatasetInfo info);

}  // namespace longconv::data
