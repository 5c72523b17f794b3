// Checkpoints (torch::serialize ZIP archives). Every input goes through the archive layout and the CRC-32 check
// (io::verify_zip_crc32). Inputs that pass it reach load_checkpoint when their pickles and TorchScript code records
// are the reference checkpoint's, so the container and the tensor records vary: LibTorch 1.13's unpickler crashes on
// crafted pickles with consistent CRCs (SEGV in torch::jit::ScriptTypeParser::parseClassConstant, found by this
// target), which longconv cannot check: checkpoints, like torch.load's files, are trusted once intact.
#include <map>

#include "fuzz_input.h"
#include "io/zip_records.h"
#include "tiny_checkpoint.h"

namespace {

using longconv::io::ZipRecord;

bool is_tensor_record(const ZipRecord& record) {
  const size_t slash = record.name.rfind('/');
  return !record.deflated && slash != std::string::npos && slash >= 5 &&
         record.name.compare(slash - 5, 6, "/data/") == 0;
}

// Name -> stored bytes of every record that LibTorch parses (all but the tensor storages).
std::map<std::string, std::string> parsed_records(const std::string& bytes) {
  std::map<std::string, std::string> out;
  for (const ZipRecord& record : longconv::io::zip_records(bytes, "fuzz"))
    if (!is_tensor_record(record)) out[record.name] = bytes.substr(record.data_offset, record.stored_size);
  return out;
}

const std::map<std::string, std::string>& reference() {
  static const auto records = parsed_records(longconv::fuzz::tiny_checkpoint());
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    io::verify_zip_crc32(bytes, "fuzz.ckpt");
    if (parsed_records(bytes) != reference()) return 0;
  } catch (const std::exception&) {
    return 0;
  }
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.ckpt", bytes);
  fuzz::expect_no_crash([&] { train::verify_checkpoint(path); });
  fuzz::expect_no_crash([&] {
    fuzz::Tiny model;
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(0.1));
    train::LrSchedule schedule = fuzz::tiny_schedule();
    train::load_checkpoint(path, *model, &optimizer, &schedule, /*restore_rng=*/true);
  });
  return 0;
}
