// Shared by fuzz_npy and fuzz_npz: checks what a StoredArray promises of the rows it converts.
#pragma once

#include <cstring>

#include "data/formats/stored_array.h"

namespace longconv::fuzz {

// Every row as one block and the last one alone: the header's dtype and shape, and the same bytes both ways.
inline void probe_rows(const data::StoredArray& array) {
  if (array.dim() == 0) return;
  const int64_t n = array.size(0);
  const torch::Tensor all = array.rows(0, n);
  if (all.scalar_type() != array.dtype() || all.sizes().vec() != array.shape() || !all.is_contiguous())
    __builtin_trap();
  if (n == 0 || all.numel() == 0) return;
  const torch::Tensor last = array.rows(n - 1, n);
  const torch::Tensor tail = all.narrow(0, n - 1, 1).contiguous();
  if (last.sizes() != tail.sizes() || std::memcmp(last.data_ptr(), tail.data_ptr(), last.nbytes()) != 0)
    __builtin_trap();
}

}  // namespace longconv::fuzz
