#include "io/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <streambuf>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace longconv::io {
namespace {

// Writes everything or returns the errno of the failure; write(2) may be partial or interrupted.
int write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

// An ostream over a raw descriptor, so that fsync applies to exactly what was written and failures keep their errno.
class FdBuf : public std::streambuf {
 public:
  explicit FdBuf(int fd) : fd_(fd), buf_(1 << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (sync() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }

  std::streamsize xsputn(const char* s, std::streamsize n) override {
    // Large blocks (tensor data) bypass the buffer.
    if (n >= static_cast<std::streamsize>(buf_.size())) {
      if (sync() != 0 || (error_ = write_all(fd_, s, static_cast<size_t>(n))) != 0) return 0;
      return n;
    }
    return std::streambuf::xsputn(s, n);
  }

  int sync() override {
    if (error_ == 0) error_ = write_all(fd_, pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(buf_.data(), buf_.data() + buf_.size());
    return error_ == 0 ? 0 : -1;
  }

 private:
  int fd_;
  int error_ = 0;
  std::vector<char> buf_;
};

std::string temp_name(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

// Makes the rename itself durable. Best effort: the new content is already in place, and some filesystems refuse
// fsync on directories.
void sync_directory(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = temp_name(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw std::runtime_error(path + ": cannot create temporary file " + tmp + ": " + std::strerror(errno));

  FdBuf buf(fd);
  std::ostream out(&buf);
  try {
    write(out);
  } catch (...) {
    // The writer's own error already says what went wrong; only the temporary file is ours to clean up.
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  out.flush();

  // Each step runs only if the previous ones succeeded; the first fault is reported.
  std::string fault;
  if (buf.error() != 0)
    fault = std::string("write failed: ") + std::strerror(buf.error());
  else if (!out)
    fault = "write failed: the writer left the stream in a failed state";
  if (fault.empty() && ::fsync(fd) != 0) fault = std::string("fsync failed: ") + std::strerror(errno);
  if (::close(fd) != 0 && fault.empty()) fault = std::string("close failed: ") + std::strerror(errno);
  if (fault.empty() && ::rename(tmp.c_str(), path.c_str()) != 0)
    fault = "cannot rename " + tmp + " over it: " + std::strerror(errno);
  if (!fault.empty()) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": " + fault);
  }
  sync_directory(path);
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  write_file_atomic(path,
                    [&](std::ostream& out) { out.write(bytes.data(), static_cast<std::streamsize>(bytes.size())); });
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  const bool sized = ::fstat(fd, &st) == 0 && st.st_size > 0;
  // One spare byte lets the final read see end of file without growing; st_size is 0 for pipes and procfs.
  std::string bytes(sized ? static_cast<size_t>(st.st_size) + 1 : size_t{1} << 16, '\0');
  size_t size = 0;
  for (;;) {
    if (size == bytes.size()) bytes.resize(2 * bytes.size());
    const ssize_t n = ::read(fd, bytes.data() + size, bytes.size() - size);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      throw std::runtime_error(path + ": cannot read: " + reason);
    }
    size += static_cast<size_t>(n);
  }
  bytes.resize(size);
  ::close(fd);
  return bytes;
}

}  // namespace longconv::io
