#include "data/formats/idx.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <zlib.h>

namespace longconv::data {

namespace {

// A corrupt header could otherwise make us allocate (and wait to fill) an absurd buffer.
constexpr uint64_t kMaxDataBytes = uint64_t{4} << 30;

struct IdxType {
  uint8_t code;
  torch::ScalarType dtype;
  size_t size;
};

constexpr IdxType kTypes[] = {
    {0x08, torch::kUInt8, 1}, {0x09, torch::kInt8, 1},    {0x0B, torch::kInt16, 2},
    {0x0C, torch::kInt32, 4}, {0x0D, torch::kFloat32, 4}, {0x0E, torch::kFloat64, 8},
};

[[noreturn]] void fail(const std::string& path, const std::string& fault) {
  throw std::runtime_error(path + ": " + fault);
}

std::string hex_byte(uint8_t b) {
  static const char digits[] = "0123456789abcdef";
  return {digits[b >> 4], digits[b & 15]};
}

class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) fail(path, "no such file");
    // Also keeps us from blocking on a FIFO or reading a device forever.
    if (!std::filesystem::is_regular_file(path, ec)) fail(path, "not a regular file");
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) fail(path, std::string("cannot open: ") + (errno ? std::strerror(errno) : "out of memory"));
  }
  ~GzReader() { gzclose(file_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  // Reads up to n bytes, fewer only at the end of the data; a damaged gzip stream throws.
  uint64_t read(void* dst, uint64_t n) {
    auto* out = static_cast<char*>(dst);
    uint64_t total = 0;
    while (total < n) {
      const auto chunk = static_cast<unsigned>(std::min<uint64_t>(n - total, uint64_t{1} << 30));
      const int got = gzread(file_, out + total, chunk);
      if (got < 0) check_stream();
      if (got <= 0) break;
      total += static_cast<uint64_t>(got);
    }
    // zlib reports a gzip stream cut short as a short read with an error set, not as a failed read.
    if (total < n) check_stream();
    return total;
  }

  bool compressed() { return gzdirect(file_) == 0; }

 private:
  void check_stream() {
    int err = Z_OK;
    const char* msg = gzerror(file_, &err);
    if (err == Z_ERRNO) fail(path_, std::string("read error: ") + std::strerror(errno));
    if (err != Z_OK) fail(path_, std::string("corrupt or truncated gzip stream (") + msg + ")");
  }

  std::string path_;
  gzFile file_ = nullptr;
};

// IDX stores multi-byte values big-endian; rebuild each in host order whatever the host is.
template <typename U>
void from_big_endian(uint8_t* p, int64_t count) {
  for (int64_t i = 0; i < count; ++i, p += sizeof(U)) {
    U v = 0;
    for (size_t k = 0; k < sizeof(U); ++k) v = static_cast<U>((v << 8) | p[k]);
    std::memcpy(p, &v, sizeof(U));
  }
}

}  // namespace

torch::Tensor read_idx(const std::string& path) {
  GzReader in(path);

  uint8_t magic[4];
  const uint64_t got_magic = in.read(magic, 4);
  if (got_magic < 4) fail(path, "truncated header: " + std::to_string(got_magic) + " of 4 magic bytes");
  if (magic[0] != 0 || magic[1] != 0)
    fail(path, "bad magic: expected 00 00 <type> <ndim>, got " + hex_byte(magic[0]) + " " + hex_byte(magic[1]) + " " +
                   hex_byte(magic[2]) + " " + hex_byte(magic[3]));
  const IdxType* type = nullptr;
  for (const auto& t : kTypes)
    if (t.code == magic[2]) type = &t;
  if (!type) fail(path, "unknown IDX type code 0x" + hex_byte(magic[2]));

  const int ndim = magic[3];
  std::vector<uint8_t> dim_bytes(static_cast<size_t>(4 * ndim));
  const uint64_t got_dims = in.read(dim_bytes.data(), dim_bytes.size());
  if (got_dims < dim_bytes.size())
    fail(path, "truncated header: " + std::to_string(got_dims) + " of " + std::to_string(dim_bytes.size()) +
                   " bytes of sizes for " + std::to_string(ndim) + " dimensions");
  std::vector<int64_t> shape(static_cast<size_t>(ndim));
  for (int d = 0; d < ndim; ++d) {
    const uint8_t* b = &dim_bytes[static_cast<size_t>(4 * d)];
    shape[static_cast<size_t>(d)] = int64_t{b[0]} << 24 | int64_t{b[1]} << 16 | int64_t{b[2]} << 8 | b[3];
  }
  const std::string shape_str = c10::str(c10::IntArrayRef(shape));
  uint64_t bytes = type->size;
  for (int64_t size : shape) {
    // Checked before multiplying, so the product can neither overflow nor pass the limit.
    if (size != 0 && bytes > kMaxDataBytes / static_cast<uint64_t>(size))
      fail(path, "header declares shape " + shape_str + ", more than the 4 GiB limit (corrupt header?)");
    bytes *= static_cast<uint64_t>(size);
  }
  const auto truncated = [&](uint64_t got) {
    fail(path, "data truncated: shape " + shape_str + " needs " + std::to_string(bytes) + " bytes, got " +
                   std::to_string(got));
  };
  // A raw file's size is known up front: refuse before allocating for data that is not there.
  const uint64_t header_bytes = 4 + dim_bytes.size();
  std::error_code ec;
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (!in.compressed() && !ec && file_size < header_bytes + bytes) truncated(file_size - header_bytes);

  torch::Tensor out;
  if (in.compressed()) {
    // A gzip stream's length is unknown until it is read: a few bytes may claim gigabytes. Grow a buffer with what
    // the stream holds, in bounded chunks, and allocate the tensor only once the data is all there.
    constexpr uint64_t kChunk = uint64_t{16} << 20;
    std::vector<uint8_t> data;
    while (data.size() < bytes) {
      const uint64_t want = std::min(kChunk, bytes - data.size());
      const size_t at = data.size();
      data.resize(at + want);
      const uint64_t got = in.read(data.data() + at, want);
      if (got < want) truncated(at + got);
    }
    out = torch::empty(shape, type->dtype);
    if (bytes) std::memcpy(out.data_ptr(), data.data(), bytes);
  } else {
    out = torch::empty(shape, type->dtype);
    const uint64_t got = bytes ? in.read(out.data_ptr(), bytes) : 0;
    if (got < bytes) truncated(got);
  }
  uint8_t extra;
  if (in.read(&extra, 1) > 0)
    fail(path, "trailing garbage after the " + std::to_string(bytes) + " data bytes of shape " + shape_str);

  auto* data = static_cast<uint8_t*>(out.data_ptr());
  const int64_t n = out.numel();
  if (type->size == 2) from_big_endian<uint16_t>(data, n);
  if (type->size == 4) from_big_endian<uint32_t>(data, n);
  if (type->size == 8) from_big_endian<uint64_t>(data, n);
  return out;
}

}  // namespace longconv::data
