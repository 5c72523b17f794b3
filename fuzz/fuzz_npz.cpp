// NumPy .npz archives (np.savez's stored and np.savez_compressed's deflated members, ZIP64), through the ZIP reader
// and then the .npy reader of each member.
#include "data/formats/npz.h"
#include "data/formats/zip_archive.h"
#include "fuzz_input.h"
#include "stored_array_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.npz", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] {
    const data::ZipArchive archive = data::ZipArchive::open(path);
    for (const auto& member : archive.members()) {
      if (member.data_offset + member.compressed_size > size) __builtin_trap();
      fuzz::expect_no_crash([&] {
        if (archive.read(member).bytes.size() != member.size) __builtin_trap();
      });
    }
  });
  fuzz::expect_no_crash([&] {
    for (const auto& [key, array] : data::read_npz(path)) fuzz::probe_rows(array);
  });
  return 0;
}
