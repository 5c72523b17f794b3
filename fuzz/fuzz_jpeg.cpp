// JPEG images through libjpeg-turbo (image folders).
#include "fuzz_input.h"
#include "io/jpeg_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.jpg", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] {
    const io::DecodedImage image = io::read_jpeg(path);
    if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
        image.pixels.size() != static_cast<size_t>(image.width * image.height * image.channels))
      __builtin_trap();
  });
  return 0;
}
