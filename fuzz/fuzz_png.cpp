// PNG images through libpng (LRA Pathfinder's format).
#include "fuzz_input.h"
#include "io/png_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.png", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] {
    const io::DecodedImage image = io::read_png(path);
    if (image.pixels.size() != static_cast<size_t>(image.width * image.height * image.channels)) __builtin_trap();
  });
  return 0;
}
