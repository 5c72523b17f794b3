// The UCR/UEA archive's sktime .ts files.
#include <algorithm>
#include <cmath>

#include "data/formats/ucr_archive.h"
#include "fuzz_input.h"
#include "time_series_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.ts", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] {
    const data::TimeSeriesTable t = data::read_ts_file(path);
    fuzz::probe_table(t);
    for (const std::string& label : t.labels)
      if (std::find(t.class_labels.begin(), t.class_labels.end(), label) == t.class_labels.end()) __builtin_trap();
    for (double target : t.targets)
      if (!std::isfinite(target)) __builtin_trap();
  });
  return 0;
}
