// Numeric CSV/TSV tables (one row per time step). The first byte picks the delimiter: odd tab, even comma.
#include "data/formats/numeric_table.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  if (size == 0) return 0;
  const char delimiter = data[0] & 1 ? '\t' : ',';
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.csv", {reinterpret_cast<const char*>(data + 1), size - 1});
  fuzz::expect_no_crash([&] {
    const data::NumericTable table = data::read_numeric_table(path, delimiter);
    if (table.values.dim() != 2 || table.values.scalar_type() != torch::kFloat32 || table.values.size(0) < 1 ||
        table.values.size(1) < 1)
      __builtin_trap();
    if (!table.header.empty() && static_cast<int64_t>(table.header.size()) != table.values.size(1)) __builtin_trap();
  });
  return 0;
}
