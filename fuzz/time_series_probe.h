// Shared by fuzz_ucr_ts and fuzz_ucr_tsv: what a TimeSeriesTable promises whichever file it came from.
#pragma once

#include <algorithm>

#include "data/formats/ucr_archive.h"

namespace longconv::fuzz {

// float32 [cases, dimensions, longest] with one length and one label or target per case, each length in
// [1, longest] and the longest reached.
inline void probe_table(const data::TimeSeriesTable& t) {
  if (t.values.dim() != 3 || t.values.scalar_type() != torch::kFloat32) __builtin_trap();
  const auto cases = static_cast<size_t>(t.values.size(0));
  if (cases == 0 || t.values.size(1) < 1 || t.lengths.size() != cases) __builtin_trap();
  if (t.labels.size() + t.targets.size() != cases || (!t.labels.empty() && !t.targets.empty())) __builtin_trap();
  for (int64_t length : t.lengths)
    if (length < 1 || length > t.values.size(2)) __builtin_trap();
  if (*std::max_element(t.lengths.begin(), t.lengths.end()) != t.values.size(2)) __builtin_trap();
}

}  // namespace longconv::fuzz
