// TensorboardWriter's files, read back with the independent reader of support/tensorboard_reader.h; CRC-32C
// against the known vectors.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>

#include "io/crc32c.h"
#include "io/tensorboard_writer.h"
#include "support/cli.h"
#include "support/temp_dir.h"
#include "support/tensorboard_reader.h"

namespace {

using longconv::test::bitwise_crc32c;
using longconv::test::decode;
using longconv::test::masked;
using longconv::test::Message;
using longconv::test::only;
using longconv::test::packed_doubles;
using longconv::test::read_events;
using longconv::test::summary_value;

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
