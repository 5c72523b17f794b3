// The UCR 2018 archive's .tsv files (univariate, NaN-padded).
#include <cmath>

#include "data/formats/ucr_archive.h"
#include "fuzz_input.h"
#include "time_series_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.tsv", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] {
    const data::TimeSeriesTable t = data::read_ucr_tsv(path);
    fuzz::probe_table(t);
    if (t.values.size(1) != 1 || t.regression() || !t.class_labels.empty()) __builtin_trap();
    // A case ends at its last value that is not NaN (the padding is cut).
    for (int64_t i = 0; i < t.values.size(0); ++i)
      if (std::isnan(t.values[i][0][t.lengths[static_cast<size_t>(i)] - 1].item<float>())) __builtin_trap();
  });
  return 0;
}
