#include "data/formats/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

namespace longconv::data {

namespace {

constexpr uint32_t kLocalHeader = 0x04034b50, kCentralHeader = 0x02014b50, kEnd = 0x06054b50, kZip64End = 0x06064b50,
                   kZip64Locator = 0x07064b50;
constexpr size_t kEndSize = 22, kLocatorSize = 20;

// Little-endian fields of a byte range, each read checked against its end.
class Reader {
 public:
  Reader(std::string_view bytes, size_t offset, std::string where)
      : bytes_(bytes), pos_(offset), where_(std::move(where)) {}
  uint64_t le(int n) {
    if (pos_ > bytes_.size() || bytes_.size() - pos_ < static_cast<size_t>(n))
      throw std::runtime_error(where_ + " runs past the end of the file");
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes_[pos_ + static_cast<size_t>(i)]);
    pos_ += static_cast<size_t>(n);
    return v;
  }
  uint16_t u16() { return static_cast<uint16_t>(le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  uint64_t u64() { return le(8); }
  std::string_view take(size_t n) {
    if (pos_ > bytes_.size() || bytes_.size() - pos_ < n)
      throw std::runtime_error(where_ + " runs past the end of the file");
    const std::string_view s = bytes_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view bytes_;
  size_t pos_;
  std::string where_;
};

struct End {
  uint64_t entries = 0, directory_size = 0, directory_offset = 0;
};

// The end of central directory record (and its ZIP64 record where a field overflowed).
End find_end(std::string_view file, const std::string& path) {
  const auto fail = [&](const std::string& what) { return std::runtime_error(path + ": " + what); };
  if (file.size() < kEndSize) throw fail("not a ZIP archive (shorter than its end record)");
  // The record is the last thing in the file but for a comment of at most 65535 bytes; the one whose comment length
  // reaches exactly the end of the file is it.
  const size_t lowest = file.size() >= kEndSize + 0xffff ? file.size() - kEndSize - 0xffff : 0;
  for (size_t at = file.size() - kEndSize + 1; at-- > lowest;) {
    Reader r(file, at, path + ": end record");
    if (r.u32() != kEnd) continue;
    const uint16_t disk = r.u16(), directory_disk = r.u16(), disk_entries = r.u16(), entries = r.u16();
    const uint32_t size = r.u32(), offset = r.u32();
    const uint16_t comment = r.u16();
    if (at + kEndSize + comment != file.size()) continue;
    if (disk != 0 || directory_disk != 0 || disk_entries != entries)
      throw fail("multi-disk (spanned) ZIP archives are not supported");
    End end{entries, size, offset};
    if (entries == 0xffff || size == 0xffffffff || offset == 0xffffffff) {
      if (at < kLocatorSize) throw fail("ZIP64 end record locator missing");
      Reader locator(file, at - kLocatorSize, path + ": ZIP64 end record locator");
      if (locator.u32() != kZip64Locator) throw fail("ZIP64 end record locator missing");
      locator.u32();  // disk of the ZIP64 end record
      const uint64_t record = locator.u64();
      Reader z(file, static_cast<size_t>(std::min<uint64_t>(record, file.size())), path + ": ZIP64 end record");
      if (z.u32() != kZip64End) throw fail(fmt::format("no ZIP64 end record at offset {}", record));
      z.u64();  // record size
      z.u16();  // version made by
      z.u16();  // version needed
      const uint32_t z_disk = z.u32(), z_directory_disk = z.u32();
      const uint64_t z_disk_entries = z.u64();
      end.entries = z.u64();
      end.directory_size = z.u64();
      end.directory_offset = z.u64();
      if (z_disk != 0 || z_directory_disk != 0 || z_disk_entries != end.entries)
        throw fail("multi-disk (spanned) ZIP archives are not supported");
    }
    if (end.directory_offset > file.size() || end.directory_size > file.size() - end.directory_offset)
      throw fail(fmt::format("central directory [{}, +{}) lies outside the file ({} bytes)", end.directory_offset,
                             end.directory_size, file.size()));
    return end;
  }
  throw fail("not a ZIP archive (no end of central directory record)");
}

// Fields the 32-bit header marks 0xffffffff are in the ZIP64 extra field (id 1), in this order.
void read_zip64_extra(std::string_view extra, ZipArchive::Member& m, uint64_t& local_offset, bool size_overflow,
                      bool compressed_overflow, bool offset_overflow, const std::string& where) {
  Reader r(extra, 0, where + ": extra field");
  while (r.pos() + 4 <= extra.size()) {
    const uint16_t id = r.u16(), length = r.u16();
    const std::string_view field = r.take(length);
    if (id != 1) continue;
    Reader z(field, 0, where + ": ZIP64 extra field");
    if (size_overflow) m.size = z.u64();
    if (compressed_overflow) m.compressed_size = z.u64();
    if (offset_overflow) local_offset = z.u64();
    return;
  }
  if (size_overflow || compressed_overflow || offset_overflow)
    throw std::runtime_error(where + ": sizes overflow 32 bits but there is no ZIP64 extra field");
}

}  // namespace

ZipArchive ZipArchive::open(const std::string& path) {
  ZipArchive archive;
  archive.file_ = io::MappedFile::open(path);
  const std::string_view file(archive.file_->data(), archive.file_->size());
  const End end = find_end(file, path);
  Reader r(file, static_cast<size_t>(end.directory_offset), path + ": central directory");
  std::set<std::string> names;
  for (uint64_t i = 0; i < end.entries; ++i) {
    if (r.u32() != kCentralHeader)
      throw std::runtime_error(fmt::format("{}: central directory entry {} has a bad signature", path, i));
    Member m;
    r.u16();  // version made by
    r.u16();  // version needed
    const uint16_t flags = r.u16();
    m.method = r.u16();
    r.u32();  // time, date
    m.crc32 = r.u32();
    m.compressed_size = r.u32();
    m.size = r.u32();
    const uint16_t name_length = r.u16(), extra_length = r.u16(), comment_length = r.u16();
    r.u16();  // disk
    r.u16();  // internal attributes
    r.u32();  // external attributes
    uint64_t local = r.u32();
    m.name = std::string(r.take(name_length));
    const std::string where = path + ": member '" + m.name + "'";
    read_zip64_extra(r.take(extra_length), m, local, m.size == 0xffffffff, m.compressed_size == 0xffffffff,
                     local == 0xffffffff, where);
    r.take(comment_length);
    if (flags & 1) throw std::runtime_error(where + " is encrypted");
    if (m.method != 0 && m.method != 8)
      throw std::runtime_error(
          fmt::format("{} uses compression method {} (only stored and deflated are read)", where, m.method));
    if (m.method == 0 && m.compressed_size != m.size)
      throw std::runtime_error(
          fmt::format("{} is stored but its sizes differ ({} and {})", where, m.compressed_size, m.size));
    if (!names.insert(m.name).second) throw std::runtime_error(where + " appears twice");

    Reader l(file, static_cast<size_t>(std::min<uint64_t>(local, file.size())), where + ": local header");
    if (l.u32() != kLocalHeader)
      throw std::runtime_error(fmt::format("{}: no local header at offset {}", where, local));
    l.take(22);  // version, flags, method, time, date, CRC, sizes: the central directory's are used
    const uint16_t local_name = l.u16(), local_extra = l.u16();
    if (l.take(local_name) != m.name) throw std::runtime_error(where + ": local header names another file");
    l.take(local_extra);
    m.data_offset = l.pos();
    if (m.compressed_size > file.size() - m.data_offset)
      throw std::runtime_error(fmt::format("{}: {} bytes of data at offset {} run past the end of the file ({} bytes)",
                                           where, m.compressed_size, m.data_offset, file.size()));
    archive.members_.push_back(std::move(m));
  }
  return archive;
}

ZipArchive::Bytes ZipArchive::read(const Member& m) const {
  const std::string where = path() + ": member '" + m.name + "'";
  const char* data = file_->data() + m.data_offset;
  Bytes out;
  if (m.method == 0) {
    out.owner = file_;
    out.bytes = std::string_view(data, static_cast<size_t>(m.size));
  } else {
    // Deflate expands at most 1032:1; a larger claim is a corrupt header, not a size to allocate.
    if (m.size > 1032 * m.compressed_size + 1024)
      throw std::runtime_error(fmt::format("{}: claims {} bytes from {} compressed", where, m.size, m.compressed_size));
    auto buffer = std::make_shared<std::string>(static_cast<size_t>(m.size), '\0');
    z_stream s{};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) throw std::runtime_error(where + ": cannot start zlib");
    uint64_t in_left = m.compressed_size, out_left = m.size;
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
    s.next_out = reinterpret_cast<Bytef*>(buffer->data());
    int status = Z_OK;
    while (status == Z_OK) {  // Z_OK means progress; no progress possible is Z_BUF_ERROR
      // zlib counts in 32 bits: at most 1 GiB at a time.
      const auto in_chunk = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
      const auto out_chunk = static_cast<uInt>(std::min<uint64_t>(out_left, 1u << 30));
      s.avail_in = in_chunk;
      s.avail_out = out_chunk;
      status = inflate(&s, Z_NO_FLUSH);
      in_left -= in_chunk - s.avail_in;
      out_left -= out_chunk - s.avail_out;
    }
    const char* message = s.msg;
    inflateEnd(&s);
    if (status != Z_STREAM_END)
      throw std::runtime_error(fmt::format("{}: corrupt deflate data ({})", where,
                                           message         ? message
                                           : out_left == 0 ? "inflates past its size"
                                                           : "truncated"));
    if (out_left != 0)
      throw std::runtime_error(
          fmt::format("{}: inflates to {} bytes, its header says {}", where, m.size - out_left, m.size));
    if (in_left != 0)
      throw std::runtime_error(fmt::format("{}: {} compressed bytes after the end of its data", where, in_left));
    out.bytes = std::string_view(*buffer);
    out.owner = std::move(buffer);
  }
  const uint32_t crc =
      static_cast<uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(out.bytes.data()), out.bytes.size()));
  if (crc != m.crc32)
    throw std::runtime_error(
        fmt::format("{}: CRC-32 {:08x} does not match the archive's {:08x} (corrupt data)", where, crc, m.crc32));
  return out;
}

}  // namespace longconv::data
