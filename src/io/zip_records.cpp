#include "io/zip_records.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

namespace longconv::io {
namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50, kZip64EndOfDirectory = 0x06064b50, kZip64Locator = 0x07064b50,
                   kDirectoryEntry = 0x02014b50, kLocalHeader = 0x04034b50;
constexpr uint64_t kEndOfDirectorySize = 22, kZip64LocatorSize = 20, kZip64EndOfDirectorySize = 56,
                   kDirectoryEntrySize = 46, kLocalHeaderSize = 30, kMaxCommentSize = 0xffff;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint64_t kStored = 0, kDeflated = 8;

// Little-endian fields at checked offsets: every read past the end is a fault naming what was being read.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& origin) : bytes_(bytes), origin_(origin) {}

  std::runtime_error fault(const std::string& what) const {
    return std::runtime_error(origin_ + ": not a valid ZIP archive (truncated or corrupt?): " + what);
  }

  void require(uint64_t offset, uint64_t size, const char* what) const {
    if (offset > bytes_.size() || size > bytes_.size() - offset)
      throw fault(fmt::format("{} at byte {} runs past the end of the file ({} bytes)", what, offset, bytes_.size()));
  }

  uint64_t uint(uint64_t offset, int width) const {
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = value << 8 | static_cast<unsigned char>(bytes_[offset + i]);
    return value;
  }

  std::string_view view(uint64_t offset, uint64_t size) const { return bytes_.substr(offset, size); }
  uint64_t size() const { return bytes_.size(); }

 private:
  std::string_view bytes_;
  const std::string& origin_;
};

struct Directory {
  uint64_t entries = 0, offset = 0, size = 0;
};

// The end-of-central-directory record is the last one with its signature (a comment of up to 64 KiB may follow it);
// ZIP64 archives (more than 65535 records or 4 GiB) keep the real figures in the ZIP64 record its locator points to.
Directory find_directory(const Reader& r) {
  if (r.size() < kEndOfDirectorySize) throw r.fault(fmt::format("{} bytes is too short for a ZIP archive", r.size()));
  const uint64_t last = r.size() - kEndOfDirectorySize;
  const uint64_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
  uint64_t end = last + 1;
  for (uint64_t at = last + 1; at-- > first;)
    if (r.uint(at, 4) == kEndOfDirectory && at + kEndOfDirectorySize + r.uint(at + 20, 2) == r.size()) {
      end = at;
      break;
    }
  if (end > last) throw r.fault("no end-of-central-directory record (truncated, or not a ZIP archive)");

  Directory d{r.uint(end + 10, 2), r.uint(end + 16, 4), r.uint(end + 12, 4)};
  if (d.entries == 0xffff || d.offset == 0xffffffff || d.size == 0xffffffff) {
    if (end < kZip64LocatorSize || r.uint(end - kZip64LocatorSize, 4) != kZip64Locator)
      throw r.fault("a ZIP64 archive without its ZIP64 locator");
    const uint64_t record = r.uint(end - kZip64LocatorSize + 8, 8);
    r.require(record, kZip64EndOfDirectorySize, "the ZIP64 end-of-central-directory record");
    if (r.uint(record, 4) != kZip64EndOfDirectory)
      throw r.fault(fmt::format("no ZIP64 end-of-central-directory record at byte {}", record));
    d = {r.uint(record + 32, 8), r.uint(record + 48, 8), r.uint(record + 40, 8)};
  }
  r.require(d.offset, d.size, "the central directory");
  return d;
}

// The ZIP64 extra field holds, in this order, the 64-bit values of those 32-bit fields that are 0xffffffff.
void read_zip64_extra(const Reader& r, uint64_t extra, uint64_t extra_size, const std::string& name,
                      std::vector<uint64_t*> fields) {
  for (uint64_t at = extra; at + 4 <= extra + extra_size;) {
    const uint64_t id = r.uint(at, 2), size = r.uint(at + 2, 2);
    if (at + 4 + size > extra + extra_size)
      throw r.fault(fmt::format("record '{}': an extra field runs past its header", name));
    if (id == kZip64ExtraId) {
      uint64_t offset = at + 4;
      for (uint64_t* field : fields) {
        if (*field != 0xffffffff) continue;
        if (offset + 8 > at + 4 + size) throw r.fault(fmt::format("record '{}': short ZIP64 extra field", name));
        *field = r.uint(offset, 8);
        offset += 8;
      }
      return;
    }
    at += 4 + size;
  }
  if (std::any_of(fields.begin(), fields.end(), [](const uint64_t* f) { return *f == 0xffffffff; }))
    throw r.fault(fmt::format("record '{}': ZIP64 sizes without a ZIP64 extra field", name));
}

uint32_t crc32_of(std::string_view data) {
  return static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// CRC-32 of the raw deflate stream `data` inflated in chunks; it must inflate to exactly record.size bytes.
uint32_t inflated_crc32(std::string_view data, const ZipRecord& record, const std::string& origin) {
  const auto fault = [&](const std::string& what) {
    return std::runtime_error(fmt::format("{}: record '{}' is corrupt: {}", origin, record.name, what));
  };
  // A checkpoint's deflated records are small source files; one inflate call takes at most 4 GiB of input.
  if (data.size() > UINT32_MAX) throw fault("a deflated record over 4 GiB");
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw fault("cannot start inflating");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  uint64_t total = 0;
  uLong crc = crc32_z(0, nullptr, 0);
  std::vector<Bytef> chunk(1 << 16);
  int rc = Z_OK;
  while (rc == Z_OK && total <= record.size) {
    z.next_out = chunk.data();
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    const uint64_t produced = chunk.size() - z.avail_out;
    total += produced;
    crc = crc32_z(crc, chunk.data(), produced);
    if (rc == Z_OK && produced == 0 && z.avail_in == 0) rc = Z_BUF_ERROR;  // input used up before the stream's end
  }
  inflateEnd(&z);
  if (total > record.size)
    throw fault(fmt::format("it inflates to more than the {} bytes its entry declares", record.size));
  if (rc != Z_STREAM_END) throw fault("its deflate stream is damaged or cut short");
  if (total != record.size)
    throw fault(fmt::format("it inflates to {} bytes, not the {} its entry declares", total, record.size));
  return static_cast<uint32_t>(crc);
}

}  // namespace

std::vector<ZipRecord> zip_records(std::string_view bytes, const std::string& origin) {
  const Reader r(bytes, origin);
  const Directory directory = find_directory(r);
  std::vector<ZipRecord> records;
  uint64_t at = directory.offset;
  const uint64_t directory_end = directory.offset + directory.size;
  for (uint64_t i = 0; i < directory.entries; ++i) {
    if (at + kDirectoryEntrySize > directory_end || r.uint(at, 4) != kDirectoryEntry)
      throw r.fault(fmt::format("central directory entry {} of {} is missing or damaged", i + 1, directory.entries));
    const uint64_t flags = r.uint(at + 8, 2), method = r.uint(at + 10, 2);
    const uint64_t name_size = r.uint(at + 28, 2), extra_size = r.uint(at + 30, 2), comment_size = r.uint(at + 32, 2);
    if (at + kDirectoryEntrySize + name_size + extra_size + comment_size > directory_end)
      throw r.fault(fmt::format("central directory entry {} runs past the directory", i + 1));
    ZipRecord record;
    record.name = std::string(r.view(at + kDirectoryEntrySize, name_size));
    record.crc32 = static_cast<uint32_t>(r.uint(at + 16, 4));
    record.entry_offset = at;
    uint64_t compressed = r.uint(at + 20, 4), local = r.uint(at + 42, 4);
    record.size = r.uint(at + 24, 4);
    read_zip64_extra(r, at + kDirectoryEntrySize + name_size, extra_size, record.name,
                     {&record.size, &compressed, &local});
    if (flags & 1) throw r.fault(fmt::format("record '{}' is encrypted", record.name));
    if (method != kStored && method != kDeflated)
      throw r.fault(fmt::format("record '{}' uses compression method {} (LibTorch writes 0, stored, and 8, deflated)",
                                record.name, method));
    if (method == kStored && compressed != record.size)
      throw r.fault(fmt::format("record '{}' is stored with {} bytes but declares {} uncompressed", record.name,
                                compressed, record.size));
    record.deflated = method == kDeflated;
    record.stored_size = compressed;

    r.require(local, kLocalHeaderSize, "a local file header");
    if (r.uint(local, 4) != kLocalHeader)
      throw r.fault(fmt::format("record '{}': no local file header at byte {}", record.name, local));
    record.data_offset = local + kLocalHeaderSize + r.uint(local + 26, 2) + r.uint(local + 28, 2);
    if (record.data_offset > directory.offset || record.stored_size > directory.offset - record.data_offset)
      throw r.fault(fmt::format("record '{}': its {} bytes at byte {} overrun the central directory at byte {}",
                                record.name, record.stored_size, record.data_offset, directory.offset));
    records.push_back(std::move(record));
    at += kDirectoryEntrySize + name_size + extra_size + comment_size;
  }
  return records;
}

void verify_zip_crc32(std::string_view bytes, const std::string& origin) {
  for (const ZipRecord& record : zip_records(bytes, origin)) {
    const std::string_view data = bytes.substr(record.data_offset, record.stored_size);
    const uint32_t crc = record.deflated ? inflated_crc32(data, record, origin) : crc32_of(data);
    if (crc != record.crc32)
      throw std::runtime_error(fmt::format(
          "{}: record '{}' ({} bytes) fails its CRC-32 check (stored {:08x}, computed {:08x}): the file is corrupt",
          origin, record.name, record.size, record.crc32, crc));
  }
}

}  // namespace longconv::io
