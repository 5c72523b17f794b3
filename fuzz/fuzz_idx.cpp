// IDX files (MNIST family), raw or gzip-compressed.
#include "data/formats/idx.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz-idx3-ubyte", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] { data::read_idx(path); });
  return 0;
}
