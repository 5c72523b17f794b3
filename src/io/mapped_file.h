// A whole file mapped read-only into memory, for data files larger than memory: pages are read when touched and
// dropped by the kernel under memory pressure, so nothing is loaded up front.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace longconv::io {

class MappedFile {
 public:
  // std::runtime_error "<path>: no such file" / "not a regular file" / "cannot map: <reason>".
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Read-only: writing through data() faults. An empty file has size() 0 and a null data().
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const char* data, size_t size) : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const char* data_;
  size_t size_;
};

}  // namespace longconv::io
