// ZIP archives as np.savez writes them (Python's zipfile): the central directory, with ZIP64 extensions, of members
// stored or deflated. The archive is memory-mapped; a stored member is read in place, a deflated one is inflated into
// memory (compressed data cannot be mapped).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/mapped_file.h"

namespace longconv::data {

class ZipArchive {
 public:
  struct Member {
    std::string name;
    uint16_t method = 0;  // 0 stored, 8 deflated
    uint32_t crc32 = 0;
    uint64_t compressed_size = 0, size = 0;
    uint64_t data_offset = 0;  // of the (compressed) data in the file
  };

  // The bytes of a member and what keeps them alive (the mapping, or the inflated buffer).
  struct Bytes {
    std::shared_ptr<const void> owner;
    std::string_view bytes;
  };

  // std::runtime_error "<path>: <what is wrong>" for anything but a single-disk, unencrypted archive of stored or
  // deflated members whose headers and sizes agree and lie inside the file.
  static ZipArchive open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const std::vector<Member>& members() const { return members_; }

  // The member's uncompressed bytes after checking its CRC-32. std::runtime_error naming the archive and member for
  // corrupt data.
  Bytes read(const Member& member) const;

 private:
  std::shared_ptr<const io::MappedFile> file_;
  std::vector<Member> members_;
};

}  // namespace longconv::data
