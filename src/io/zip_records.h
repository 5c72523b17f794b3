// The records of a ZIP archive as LibTorch writes them (torch::serialize::OutputArchive, torch.save): tensor data and
// pickles stored, the TorchScript code records deflated, each with the CRC-32 of its (uncompressed) bytes in the
// central directory. LibTorch's reader (miniz built with MINIZ_DISABLE_ZIP_READER_CRC32_CHECKS) never checks those
// CRCs, so flipped bytes inside a tensor load silently; verify_zip_crc32 is that check.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace longconv::io {

struct ZipRecord {
  std::string name;           // e.g. "archive/data/3"
  bool deflated = false;      // else stored
  uint64_t data_offset = 0;   // of the record's (compressed) bytes in the archive
  uint64_t stored_size = 0;   // bytes at data_offset
  uint64_t size = 0;          // uncompressed
  uint32_t crc32 = 0;         // as the central directory records it
  uint64_t entry_offset = 0;  // of its central directory entry (the CRC-32 is at entry_offset + 16)
};

// The central directory's records (ZIP64 included), in its order. std::runtime_error "<origin>: <fault>" for an
// archive that is not a ZIP, is truncated, or holds an encrypted, out-of-bounds or neither stored nor deflated record.
std::vector<ZipRecord> zip_records(std::string_view bytes, const std::string& origin);

// zip_records, then every record's CRC-32 against its bytes: std::runtime_error naming `origin`, the record, its
// size and both CRCs at the first mismatch.
void verify_zip_crc32(std::string_view bytes, const std::string& origin);

}  // namespace longconv::io
