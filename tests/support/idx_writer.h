// Test helper: builds IDX files byte by byte and writes them raw or gzip-compressed, with paths unique to the
// process so concurrent test runs do not collide.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

namespace longconv::testing_idx {

using Bytes = std::vector<uint8_t>;

// Appends `value` as `width` big-endian bytes.
inline void put_be(Bytes& out, uint64_t value, int width) {
  for (int k = width - 1; k >= 0; --k) out.push_back(static_cast<uint8_t>(value >> (8 * k)));
}

inline Bytes idx_header(uint8_t type, const std::vector<uint32_t>& dims) {
  Bytes out = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) put_be(out, d, 4);
  return out;
}

inline Bytes idx_u8(const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes out = idx_header(0x08, dims);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

inline void write_raw(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << path;
}

inline void write_gz(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), int(bytes.size()));
  }
  ASSERT_EQ(gzclose(f), Z_OK) << path;
}

inline Bytes read_raw(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// <TempDir>/longconv_<pid>_<suite>_<test>_<name>
inline std::string temp_path(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "longconv_" + std::to_string(getpid()) + "_" + info->test_suite_name() + "_" +
         info->name() + "_" + name;
}

}  // namespace longconv::testing_idx
