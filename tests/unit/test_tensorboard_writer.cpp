// TensorboardWriter's files, read back with a record reader and a protobuf decoder written here from the formats'
// specifications (TFRecord framing, protobuf wire format, event.proto / summary.proto field numbers), and a bitwise
// CRC-32C independent of io::crc32c's table.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>

#include "io/crc32c.h"
#include "io/tensorboard_writer.h"
#include "support/cli.h"
#include "support/temp_dir.h"

namespace {

uint32_t bitwise_crc32c(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    crc ^= static_cast<uint8_t>(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }

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

uint64_t read_varint(const std::string& bytes, size_t& at) {
  uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    const auto b = static_cast<uint8_t>(bytes.at(at++));
    value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return value;
  }
}

Message decode(const std::string& bytes) {
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

const Field& only(const Message& m, uint32_t field, uint32_t wire_type) {
  EXPECT_EQ(m.count(field), 1u) << "field " << field;
  const auto it = m.find(field);
  if (it == m.end()) throw std::runtime_error("missing field " + std::to_string(field));
  EXPECT_EQ(it->second.wire_type, wire_type) << "field " << field;
  return it->second;
}

std::vector<double> packed_doubles(const std::string& bytes) {
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
std::vector<Message> read_events(const std::string& path) {
  const std::string file = longconv::test::slurp(path);
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
std::pair<std::string, Message> summary_value(const Message& event) {
  const Message summary = decode(only(event, 5, 2).bytes);
  const Message value = decode(only(summary, 1, 2).bytes);
  return {only(value, 1, 2).bytes, value};
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(Crc32c, MatchesTheKnownVectors) {
  // RFC 3720 (iSCSI) appendix B.4 and the common check value.
  const std::string zeros(32, '\0'), ones(32, '\xFF');
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending += static_cast<char>(i);
    descending += static_cast<char>(31 - i);
  }
  const std::vector<std::pair<std::string, uint32_t>> vectors{{"123456789", 0xE3069283u}, {zeros, 0x8A9136AAu},
                                                              {ones, 0x62A8AB43u},        {ascending, 0x46DD794Eu},
                                                              {descending, 0x113FDB5Cu},  {"", 0u}};
  for (const auto& [bytes, crc] : vectors) {
    EXPECT_EQ(longconv::io::crc32c(bytes), crc) << bytes.size() << " bytes";
    EXPECT_EQ(bitwise_crc32c(bytes), crc) << bytes.size() << " bytes";
    EXPECT_EQ(longconv::io::masked_crc32c(bytes), masked(crc));
  }
  // Continuing a checksum over a split input gives the whole input's.
  EXPECT_EQ(longconv::io::crc32c("6789", longconv::io::crc32c("12345")), 0xE3069283u);
}

TEST(TensorboardWriter, FirstRecordIsTheFileVersion) {
  longconv::test::TempDir dir;
  const double before = now_seconds();
  std::string path;
  {
    longconv::io::TensorboardWriter writer(dir.file("run"));
    path = writer.path();
  }
  const double after = now_seconds();
  EXPECT_EQ(std::filesystem::path(path).parent_path(), dir.path() / "run");
  EXPECT_EQ(std::filesystem::path(path).filename().string().rfind("events.out.tfevents.", 0), 0u) << path;
  const auto events = read_events(path);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(only(events[0], 3, 2).bytes, "brain.Event:2");
  const double wall_time = only(events[0], 1, 1).as_double();
  EXPECT_GE(wall_time, std::floor(before));
  EXPECT_LE(wall_time, after + 1);
}

TEST(TensorboardWriter, ScalarsKeepTagStepAndValue) {
  longconv::test::TempDir dir;
  longconv::io::TensorboardWriter writer(dir.path().string());
  writer.scalar("train/loss", 0, 2.5);
  writer.scalar("val/accuracy", 300, 87.125);
  writer.scalar("neg", -3, -1e-3);  // a negative step takes ten varint bytes
  const auto events = read_events(writer.path());
  ASSERT_EQ(events.size(), 4u);
  const std::vector<std::tuple<std::string, int64_t, float>> expected{
      {"train/loss", 0, 2.5f}, {"val/accuracy", 300, 87.125f}, {"neg", -3, -1e-3f}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& event = events[i + 1];
    EXPECT_EQ(static_cast<int64_t>(only(event, 2, 0).integer), std::get<1>(expected[i]));
    EXPECT_GT(only(event, 1, 1).as_double(), 1.6e9);  // wall time in seconds since 1970
    const auto [tag, value] = summary_value(event);
    EXPECT_EQ(tag, std::get<0>(expected[i]));
    EXPECT_EQ(only(value, 2, 5).as_float(), std::get<2>(expected[i]));
  }
}

TEST(TensorboardWriter, HistogramsCountEveryValue) {
  longconv::test::TempDir dir;
  longconv::io::TensorboardWriter writer(dir.path().string());
  writer.histogram("mask_width", 7, {0.1, 0.2, 0.2, 0.4, 0.5}, 4);
  writer.histogram("constant", 8, {3.0, 3.0});
  const auto events = read_events(writer.path());
  ASSERT_EQ(events.size(), 3u);

  EXPECT_EQ(only(events[1], 2, 0).integer, 7u);
  auto [tag, value] = summary_value(events[1]);
  EXPECT_EQ(tag, "mask_width");
  Message histo = decode(only(value, 5, 2).bytes);
  EXPECT_DOUBLE_EQ(only(histo, 1, 1).as_double(), 0.1);
  EXPECT_DOUBLE_EQ(only(histo, 2, 1).as_double(), 0.5);
  EXPECT_DOUBLE_EQ(only(histo, 3, 1).as_double(), 5);
  EXPECT_DOUBLE_EQ(only(histo, 4, 1).as_double(), 1.4);
  EXPECT_DOUBLE_EQ(only(histo, 5, 1).as_double(), 0.01 + 0.04 + 0.04 + 0.16 + 0.25);
  const auto limits = packed_doubles(only(histo, 6, 2).bytes);
  const auto counts = packed_doubles(only(histo, 7, 2).bytes);
  ASSERT_EQ(limits.size(), 4u);
  EXPECT_DOUBLE_EQ(limits[0], 0.2);
  EXPECT_DOUBLE_EQ(limits[1], 0.3);
  EXPECT_DOUBLE_EQ(limits[2], 0.4);
  EXPECT_DOUBLE_EQ(limits[3], 0.5);
  EXPECT_EQ(counts, (std::vector<double>{1, 2, 0, 2}));  // 0.2 and 0.4 sit on edges: the bucket above

  std::tie(tag, value) = summary_value(events[2]);
  EXPECT_EQ(tag, "constant");
  histo = decode(only(value, 5, 2).bytes);
  EXPECT_EQ(packed_doubles(only(histo, 6, 2).bytes), std::vector<double>{3.0});
  EXPECT_EQ(packed_doubles(only(histo, 7, 2).bytes), std::vector<double>{2.0});
}

TEST(TensorboardWriter, RejectsValuesItCannotStore) {
  longconv::test::TempDir dir;
  longconv::io::TensorboardWriter writer(dir.path().string());
  EXPECT_THROW(writer.histogram("empty", 0, {}), std::runtime_error);
  EXPECT_THROW(writer.histogram("nan", 0, {1.0, std::nan("")}), std::runtime_error);
  EXPECT_THROW(writer.histogram("bins", 0, {1.0}, 0), std::runtime_error);
  EXPECT_EQ(read_events(writer.path()).size(), 1u);  // nothing half-written
}

TEST(TensorboardWriter, EachWriterGetsItsOwnFile) {
  longconv::test::TempDir dir;
  longconv::io::TensorboardWriter a(dir.path().string()), b(dir.path().string());
  EXPECT_NE(a.path(), b.path());
  EXPECT_EQ(dir.entries().size(), 2u);
}

}  // namespace
