// WFDB records (PTB-XL): the header text, and the signal file it names (written as rec.dat, the seed's name).
#include "data/formats/wfdb.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  const auto parts = fuzz::split_parts(data, size, 2);
  fuzz::clear_scratch();
  fuzz::put_file("rec.hea", parts[0]);
  fuzz::put_file("rec.dat", parts[1]);
  fuzz::expect_no_crash([&] {
    const data::WfdbRecord r = data::read_wfdb_record((fuzz::scratch_dir() / "rec").string());
    if (r.signal.size(0) != r.n_signals || r.signal.size(1) != r.n_samples) __builtin_trap();
  });
  return 0;
}
