// OFF meshes (ModelNet's format).
#include <cmath>

#include "data/formats/off_mesh.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.off", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] {
    const data::TriangleMesh mesh = data::read_off(path);
    const auto n = static_cast<int64_t>(mesh.vertices.size());
    if (n < 3 || mesh.triangles.empty()) __builtin_trap();
    for (const auto& vertex : mesh.vertices)
      for (double x : vertex)
        if (!std::isfinite(x)) __builtin_trap();
    for (const auto& triangle : mesh.triangles)
      for (int64_t id : triangle)
        if (id < 0 || id >= n) __builtin_trap();
  });
  return 0;
}
