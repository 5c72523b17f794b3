// An independent reader of TensorBoard event files, written from the formats' specifications (TFRecord framing,
// protobuf wire format, event.proto / summary.proto field numbers), with a bitwise CRC-32C independent of
// io::crc32c's table; every length and data checksum it reads is checked.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/cli.h"

namespace longconv::test {

inline uint32_t bitwise_crc32c(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    crc ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }

template <typename T>
T little_endian(const std::string& bytes, size_t at) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(static_cast<uint8_t>(bytes.at(at + i))) << (8 * i);
  return value;
}

// One decoded protobuf field: varint / fixed64 / fixed32 as raw integers, length-delimited as bytes.
struct Field {
  uint32_t wire_type = 0;
  uint64_t integer = 0;
  std::string bytes;
  double as_double() const {
    double d;
    std::memcpy(&d, &integer, sizeof d);
    return d;
  }
  float as_float() const {
    const auto bits = static_cast<uint32_t>(integer);
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
};
using Message = std::multimap<uint32_t, Field>;

inline uint64_t read_varint(const std::string& bytes, size_t& at) {
  uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(bytes.at(at++));
    value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return value;
  }
}

inline Message decode(const std::string& bytes) {
  Message m;
  size_t at = 0;
  while (at < bytes.size()) {
    const uint64_t key = read_varint(bytes, at);
    Field f;
    f.wire_type = key & 7;
    switch (f.wire_type) {
      case 0:
        f.integer = read_varint(bytes, at);
        break;
      case 1:
        f.integer = little_endian<uint64_t>(bytes, at);
        at += 8;
        break;
      case 2: {
        const uint64_t n = read_varint(bytes, at);
        f.bytes = bytes.substr(at, n);
        EXPECT_EQ(f.bytes.size(), n) << "field runs past its message";
        at += n;
        break;
      }
      case 5:
        f.integer = little_endian<uint32_t>(bytes, at);
        at += 4;
        break;
      default:
        ADD_FAILURE() << "unexpected wire type " << f.wire_type;
        return m;
    }
    m.emplace(static_cast<uint32_t>(key >> 3), f);
  }
  return m;
}

inline const Field& only(const Message& m, uint32_t field, uint32_t wire_type) {
  EXPECT_EQ(m.count(field), 1u) << "field " << field;
  const auto it = m.find(field);
  if (it == m.end()) throw std::runtime_error("missing field " + std::to_string(field));
  EXPECT_EQ(it->second.wire_type, wire_type) << "field " << field;
  return it->second;
}

inline std::vector<double> packed_doubles(const std::string& bytes) {
  EXPECT_EQ(bytes.size() % 8, 0u);
  std::vector<double> values;
  for (size_t at = 0; at + 8 <= bytes.size(); at += 8) {
    const auto bits = little_endian<uint64_t>(bytes, at);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    values.push_back(d);
  }
  return values;
}

// The Event messages of a TFRecord file, every length and data checksum verified.
inline std::vector<Message> read_events(const std::string& path) {
  const std::string file = slurp(path);
  std::vector<Message> events;
  size_t at = 0;
  while (at < file.size()) {
    EXPECT_GE(file.size() - at, 12u) << "truncated record header at " << at;
    const std::string length_bytes = file.substr(at, 8);
    const auto length = little_endian<uint64_t>(file, at);
    EXPECT_EQ(little_endian<uint32_t>(file, at + 8), masked(bitwise_crc32c(length_bytes))) << "length CRC at " << at;
    EXPECT_GE(file.size() - at - 12, length + 4) << "truncated record at " << at;
    const std::string data = file.substr(at + 12, length);
    EXPECT_EQ(little_endian<uint32_t>(file, at + 12 + length), masked(bitwise_crc32c(data))) << "data CRC at " << at;
    events.push_back(decode(data));
    at += 12 + length + 4;
  }
  return events;
}

// The one Summary.Value of an event: its tag and the value message.
inline std::pair<std::string, Message> summary_value(const Message& event) {
  const Message summary = decode(only(event, 5, 2).bytes);
  const Message value = decode(only(summary, 1, 2).bytes);
  return {only(value, 1, 2).bytes, value};
}

}  // namespace longconv::test
