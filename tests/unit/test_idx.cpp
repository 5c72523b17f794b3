#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "data/formats/idx.h"
#include "support/idx_writer.h"

using longconv::data::read_idx;
using namespace longconv::testing_idx;

namespace {

Bytes iota_bytes(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7);
  return b;
}

// read_idx(path) must throw a runtime_error naming the file and containing `fault`.
void expect_fault(const std::string& path, const std::string& fault) {
  try {
    read_idx(path);
    ADD_FAILURE() << path << ": no error, expected '" << fault << "'";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(path + ": ", 0), 0u) << what;
    EXPECT_NE(what.find(fault), std::string::npos) << what;
  }
}

}  // namespace

TEST(Idx, RoundTripsUint8RawAndGzip) {
  const Bytes file = idx_u8({2, 3, 4}, iota_bytes(24));
  const std::string raw = temp_path("raw"), gz = temp_path("gz");
  write_raw(raw, file);
  write_gz(gz, file);
  for (const auto& path : {raw, gz}) {
    const torch::Tensor t = read_idx(path);
    EXPECT_EQ(t.scalar_type(), torch::kUInt8);
    EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2, 3, 4}));
    const auto expected = iota_bytes(24);
    EXPECT_EQ(std::memcmp(t.data_ptr<uint8_t>(), expected.data(), 24), 0);
    std::filesystem::remove(path);
  }
}

TEST(Idx, DecodesBigEndianTypes) {
  const std::string path = temp_path("typed");
  const auto check = [&](uint8_t type, int width, std::vector<uint64_t> bits, torch::Tensor expected) {
    Bytes file = idx_header(type, {static_cast<uint32_t>(bits.size())});
    for (uint64_t b : bits) put_be(file, b, width);
    write_gz(path, file);
    const torch::Tensor t = read_idx(path);
    EXPECT_EQ(t.scalar_type(), expected.scalar_type()) << int(type);
    EXPECT_TRUE(torch::equal(t, expected)) << int(type) << "\n" << t;
  };
  check(0x09, 1, {0xFF, 0x05}, torch::tensor({-1, 5}, torch::kInt8));
  check(0x0B, 2, {0xFFFE, 0x012C}, torch::tensor({-2, 300}, torch::kInt16));
  check(0x0C, 4, {0xFFFFFFFF, 0x01020304}, torch::tensor({-1, 0x01020304}, torch::kInt32));
  check(0x0D, 4, {0x3FC00000, 0xC0200000}, torch::tensor({1.5f, -2.5f}, torch::kFloat32));
  check(0x0E, 8, {0xBFD0000000000000ULL}, torch::tensor({-0.25}, torch::kFloat64));
  std::filesystem::remove(path);
}

TEST(Idx, EmptyDimensionGivesEmptyTensor) {
  const std::string path = temp_path("empty");
  write_raw(path, idx_u8({0, 28, 28}, {}));
  EXPECT_EQ(read_idx(path).sizes(), (std::vector<int64_t>{0, 28, 28}));
  std::filesystem::remove(path);
}

TEST(Idx, MalformedFilesNameTheFileAndFault) {
  const std::string path = temp_path("bad");
  expect_fault(path, "no such file");

  Bytes with_garbage = idx_u8({4}, iota_bytes(4));
  with_garbage.push_back(0);
  Bytes huge = idx_header(0x0E, {65536, 65536, 65536});
  Bytes overflowing = idx_header(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  const std::vector<std::pair<Bytes, std::string>> cases = {
      {{}, "truncated header"},
      {{0, 0, 8}, "truncated header"},
      {{0x1f, 0x8c, 8, 1, 0, 0, 0, 1, 0}, "bad magic"},
      {{0, 0, 0x0A, 1, 0, 0, 0, 1, 0}, "unknown IDX type code 0x0a"},
      {{0, 0, 8, 2, 0, 0, 0, 1, 0, 0}, "truncated header"},
      {idx_u8({2, 3}, iota_bytes(5)), "needs 6 bytes, got 5"},
      {with_garbage, "trailing garbage"},
      {huge, "4 GiB limit"},
      {overflowing, "4 GiB limit"},
  };
  for (const auto& [bytes, fault] : cases) {
    SCOPED_TRACE(fault);
    write_raw(path, bytes);
    expect_fault(path, fault);
    write_gz(path, bytes);
    expect_fault(path, fault);
  }
  std::filesystem::remove(path);
}

TEST(Idx, DirectoryIsAnError) { expect_fault(::testing::TempDir(), "not a regular file"); }

TEST(Idx, TruncatedOrCorruptGzipStream) {
  const std::string path = temp_path("gz");
  Bytes payload(4096);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>((i * i) >> 3);
  write_gz(path, idx_u8({64, 64}, payload));
  const Bytes gz = read_raw(path);
  ASSERT_GT(gz.size(), 40u);

  write_raw(path, Bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(gz.size() / 2)));
  expect_fault(path, "gzip stream");

  write_raw(path, Bytes(gz.begin(), gz.end() - 4));  // cut into the trailer (length field)
  expect_fault(path, "gzip stream");

  Bytes corrupt = gz;
  for (size_t i = 20; i < 30; ++i) corrupt[i] ^= 0x5A;
  write_raw(path, corrupt);
  expect_fault(path, "");
  std::filesystem::remove(path);
}

// Found by fuzz_idx: a few gzip bytes whose header claims 3 GB made the reader allocate it before reading.
TEST(Idx, GzipHeaderClaimingGigabytesIsTruncatedDataNotAnAllocation) {
  const std::string path = temp_path("gz");
  // u8, 3 dims of 1000 x 1000 x 3000, and 8 data bytes.
  write_gz(path, {0, 0, 8, 3, 0, 0, 3, 232, 0, 0, 3, 232, 0, 0, 11, 184, 1, 2, 3, 4, 5, 6, 7, 8});
  expect_fault(path, "data truncated: shape [1000, 1000, 3000] needs 3000000000 bytes, got 8");
  std::filesystem::remove(path);
}
