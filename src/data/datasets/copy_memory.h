// The copy memory task (Hochreiter & Schmidhuber 1997; Arjovsky et al. 2016), as TCN (Bai et al. 2018) and CKConv
// generate it. With T = memory_size and K = copy_length, a sequence has length T + 2K:
//   x = [s_1 .. s_K, 0 x (T - 1), 9 x (K + 1)]   s_i uniform in {1, ..., 8}, 0 blank, 9 the marker
//   y = [0 x (T + K), s_1 .. s_K]
// x is one float channel [1, T + 2K] holding the symbol values; y is int64 [T + 2K], one of 10 classes per step. A
// model must output logits [B, 10, T + 2K]; predicting blanks everywhere and a random symbol at the end scores
// (T + K + K / 8) / (T + 2K) accuracy, the baseline to beat.
#pragma once

#include <cstdint>

#include "data/generated.h"

namespace longconv::data {

inline constexpr int64_t kCopyMemoryClasses = 10;

struct CopyMemoryOptions {
  int64_t memory_size = 1000;  // T
  int64_t copy_length = 10;    // K
  GeneratedSizes sizes = {10000, 1000, 0, {}};
};

void validate(const CopyMemoryOptions& options);
Splits make_copy_memory_splits(const CopyMemoryOptions& options);

struct DatasetType;
DatasetType copy_memory_dataset_type();  // dataset.name: copy_memory

}  // namespace longconv::data
