#include "io/tensorboard_writer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <fmt/format.h>

#include "io/crc32c.h"

namespace longconv::io {
namespace {

// Protobuf wire format (developers.google.com/protocol-buffers/docs/encoding), the few field kinds Event uses.
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7F) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

template <typename T>
void put_little_endian(std::string& out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

void put_key(std::string& out, uint32_t field, WireType type) { put_varint(out, (field << 3) | type); }

void put_double(std::string& out, uint32_t field, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_key(out, field, kFixed64);
  put_little_endian(out, bits);
}

void put_float(std::string& out, uint32_t field, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  put_key(out, field, kFixed32);
  put_little_endian(out, bits);
}

void put_int64(std::string& out, uint32_t field, int64_t value) {
  put_key(out, field, kVarint);
  put_varint(out, static_cast<uint64_t>(value));  // negative: ten bytes of two's complement, as protobuf does
}

void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

void put_packed_doubles(std::string& out, uint32_t field, const std::vector<double>& values) {
  std::string packed;
  for (const double v : values) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    put_little_endian(packed, bits);
  }
  put_bytes(out, field, packed);
}

// tensorflow/core/util/event.proto: Event {double wall_time = 1; int64 step = 2; oneof {string file_version = 3;
// Summary summary = 5;}}.
std::string event_header(int64_t step) {
  const double wall_time = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::string event;
  put_double(event, 1, wall_time);
  put_int64(event, 2, step);
  return event;
}

// tensorflow/core/framework/summary.proto: Summary {repeated Value value = 1;}, Value {string tag = 1; oneof
// {float simple_value = 2; HistogramProto histo = 5;}}.
std::string summary_event(int64_t step, const std::string& value) {
  std::string summary;
  put_bytes(summary, 1, value);
  std::string event = event_header(step);
  put_bytes(event, 5, summary);
  return event;
}

std::string file_suffix() {
  static std::atomic<int> counter{0};
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "localhost");
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return fmt::format("{}.{}.{}.{}", seconds, host, getpid(), counter++);
}

}  // namespace

TensorboardWriter::TensorboardWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create the TensorBoard directory: " + ec.message());
  path_ = (std::filesystem::path(dir) / (kTensorboardEventPrefix + file_suffix())).string();
  out_.open(path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw std::runtime_error(path_ + ": cannot open for writing");
  std::string event = event_header(0);
  put_bytes(event, 3, "brain.Event:2");
  write_event(event);
}

void TensorboardWriter::scalar(const std::string& tag, int64_t step, double value) {
  std::string v;
  put_bytes(v, 1, tag);
  put_float(v, 2, static_cast<float>(value));
  write_event(summary_event(step, v));
}

void TensorboardWriter::histogram(const std::string& tag, int64_t step, const std::vector<double>& values,
                                  int64_t bins) {
  if (values.empty()) throw std::runtime_error(fmt::format("tensorboard histogram '{}': no values", tag));
  if (bins < 1)
    throw std::runtime_error(fmt::format("tensorboard histogram '{}': bins must be >= 1, got {}", tag, bins));
  double sum = 0, sum_squares = 0;
  for (const double v : values) {
    if (!std::isfinite(v))
      throw std::runtime_error(fmt::format("tensorboard histogram '{}': non-finite value {} at step {}", tag, v, step));
    sum += v;
    sum_squares += v * v;
  }
  const auto [min_it, max_it] = std::minmax_element(values.begin(), values.end());
  const double min = *min_it, max = *max_it;
  // TensorBoard draws bucket i from bucket_limit[i-1] (from `min` for the first) to bucket_limit[i] (`max` for the
  // last); as numpy.histogram, a value on an inner edge counts in the bucket above it.
  const int64_t n = max > min ? bins : 1;
  std::vector<double> limits(n), counts(n, 0.0);
  for (int64_t i = 0; i < n; ++i) limits[i] = i + 1 == n ? max : min + (max - min) * static_cast<double>(i + 1) / n;
  for (const double v : values) {
    const auto i = static_cast<int64_t>(std::floor((v - min) / (max - min) * static_cast<double>(n)));
    counts[max > min ? std::clamp<int64_t>(i, 0, n - 1) : 0] += 1;
  }

  // HistogramProto {double min = 1; max = 2; num = 3; sum = 4; sum_squares = 5; repeated double bucket_limit = 6
  // [packed]; repeated double bucket = 7 [packed];}
  std::string histo;
  put_double(histo, 1, min);
  put_double(histo, 2, max);
  put_double(histo, 3, static_cast<double>(values.size()));
  put_double(histo, 4, sum);
  put_double(histo, 5, sum_squares);
  put_packed_doubles(histo, 6, limits);
  put_packed_doubles(histo, 7, counts);
  std::string v;
  put_bytes(v, 1, tag);
  put_bytes(v, 5, histo);
  write_event(summary_event(step, v));
}

void TensorboardWriter::write_event(const std::string& event) {
  std::string length;
  put_little_endian(length, static_cast<uint64_t>(event.size()));
  std::string record = length;
  put_little_endian(record, masked_crc32c(length));
  record += event;
  put_little_endian(record, masked_crc32c(event));
  out_.write(record.data(), static_cast<std::streamsize>(record.size()));
  out_.flush();
  if (!out_) throw std::runtime_error(path_ + ": write failed");
}

}  // namespace longconv::io
