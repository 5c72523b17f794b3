// safetensors headers and data: parse_safetensors, then a write/read round trip of what it accepted.
#include <cstring>

#include "fuzz_input.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::expect_no_crash([&] {
    const io::Safetensors st = io::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    // What was accepted must survive a write and a read unchanged.
    fuzz::clear_scratch();
    const std::string path = (fuzz::scratch_dir() / "round.safetensors").string();
    io::write_safetensors(path, st.tensors, st.metadata);
    const io::Safetensors again = io::read_safetensors(path);
    if (again.metadata != st.metadata || again.tensors.size() != st.tensors.size()) __builtin_trap();
    for (const auto& [name, tensor] : st.tensors) {
      const torch::Tensor& other = again.tensors.at(name);
      if (other.scalar_type() != tensor.scalar_type() || other.sizes() != tensor.sizes() ||
          (tensor.nbytes() > 0 && std::memcmp(other.data_ptr(), tensor.data_ptr(), tensor.nbytes()) != 0))
        __builtin_trap();
    }
  });
  return 0;
}
