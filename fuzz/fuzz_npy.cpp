// NumPy .npy files (memory-mapped), as the tensors dataset reads them.
#include "data/formats/npy.h"
#include "fuzz_input.h"
#include "stored_array_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.npy", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] {
    const data::StoredArray array = data::read_npy(path);
    const data::NpyHeader header = data::parse_npy_header({reinterpret_cast<const char*>(data), size}, path);
    if (array.shape() != header.shape || array.dtype() != header.dtype) __builtin_trap();
    fuzz::probe_rows(array);
  });
  return 0;
}
