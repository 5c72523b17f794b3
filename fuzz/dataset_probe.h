// Shared by the dataset fuzz targets: reads examples of every split (plain and augmented) and collates them, so
// whatever the reader accepted is also exercised past loading.
#pragma once

#include <random>

#include "data/dataset.h"

namespace longconv::fuzz {

inline void probe_split(const data::Dataset* split) {
  if (!split || split->size() == 0) return;
  std::mt19937_64 rng(1);
  const int64_t last = split->size() - 1;
  split->collate({split->get(0, nullptr), split->get(last, &rng)});
}

inline void probe(const data::Splits& splits) {
  probe_split(splits.train.get());
  probe_split(splits.val.get());
  probe_split(splits.test.get());
}

}  // namespace longconv::fuzz
