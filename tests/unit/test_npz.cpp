#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "data/formats/npz.h"
#include "data/formats/zip_archive.h"
#include "support/helpers.h"
#include "support/numpy_files.h"
#include "support/numpy_writer.h"

using longconv::data::read_npz;
using longconv::data::ZipArchive;
using longconv::test::error_of;
using longconv::test::from_hex;
using longconv::test::npy_bytes;
using longconv::test::npz_bytes;
using longconv::test::TempDir;
using longconv::test::write_file;

namespace {

const torch::Tensor kX = torch::tensor({{1.5f, 2.0f}});
const torch::Tensor kY = torch::tensor({int64_t{1}});

std::string numpy_pair(bool compressed, bool zip64_directory = false) {
  return npz_bytes({{"x.npy", npy_bytes(kX)}, {"y.npy", npy_bytes(kY)}}, compressed, zip64_directory);
}

void expect_npz_rejected(const std::string& bytes, std::initializer_list<const char*> words) {
  TempDir dir;
  const std::string path = dir.file("bad.npz");
  write_file(path, bytes);
  const std::string msg = error_of([&] { read_npz(path); });
  ASSERT_FALSE(msg.empty()) << "accepted a malformed archive";
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  for (const char* word : words) EXPECT_NE(msg.find(word), std::string::npos) << "no '" << word << "' in: " << msg;
}

// Offset of the first occurrence of a 4-byte little-endian signature.
size_t find_signature(const std::string& bytes, uint32_t signature) {
  const std::string s{static_cast<char>(signature & 0xff), static_cast<char>(signature >> 8 & 0xff),
                      static_cast<char>(signature >> 16 & 0xff), static_cast<char>(signature >> 24)};
  return bytes.find(s);
}

}  // namespace

TEST(Npz, TestWriterReproducesNumpyBytes) {
  EXPECT_EQ(numpy_pair(false), from_hex(longconv::test::kNumpySavez));
  EXPECT_EQ(numpy_pair(true), from_hex(longconv::test::kNumpySavezCompressed));
}

TEST(Npz, ReadsSavezAndSavezCompressed) {
  TempDir dir;
  for (const char* hex : {longconv::test::kNumpySavez, longconv::test::kNumpySavezCompressed}) {
    write_file(dir.file("a.npz"), from_hex(hex));
    const auto arrays = read_npz(dir.file("a.npz"));
    ASSERT_EQ(arrays.size(), 2u);
    EXPECT_TRUE(arrays.at("x").rows(0, 1).equal(kX));
    EXPECT_TRUE(arrays.at("y").rows(0, 1).equal(kY));
    EXPECT_EQ(arrays.at("x").origin(), dir.file("a.npz") + ": x.npy");
  }
}

TEST(Npz, StoredMembersAreReadInPlaceDeflatedOnesInflated) {
  TempDir dir;
  write_file(dir.file("s.npz"), numpy_pair(false));
  write_file(dir.file("z.npz"), numpy_pair(true));
  const ZipArchive stored = ZipArchive::open(dir.file("s.npz"));
  const ZipArchive deflated = ZipArchive::open(dir.file("z.npz"));
  ASSERT_EQ(stored.members().size(), 2u);
  const ZipArchive::Bytes in_place = stored.read(stored.members()[0]);
  const ZipArchive::Bytes inflated = deflated.read(deflated.members()[0]);
  EXPECT_EQ(in_place.bytes, npy_bytes(kX));
  EXPECT_EQ(inflated.bytes, npy_bytes(kX));
  // x.npy's data starts 55 bytes into the archive (30-byte header, name, ZIP64 extra): unaligned for floats.
  EXPECT_EQ(stored.members()[0].data_offset, 55u);
  EXPECT_NE(in_place.owner, inflated.owner);
}

TEST(Npz, ReadsZip64CentralDirectoryAndEndRecord) {
  TempDir dir;
  for (bool compressed : {false, true}) {
    write_file(dir.file("a.npz"), numpy_pair(compressed, /*zip64_directory=*/true));
    const auto arrays = read_npz(dir.file("a.npz"));
    EXPECT_TRUE(arrays.at("x").rows(0, 1).equal(kX));
    EXPECT_TRUE(arrays.at("y").rows(0, 1).equal(kY));
  }
}

TEST(Npz, RejectsCorruptArchives) {
  const std::string good = numpy_pair(false);
  expect_npz_rejected("", {"not a ZIP archive"});
  expect_npz_rejected(good.substr(0, good.size() - 3), {"no end of central directory"});
  std::string flipped = good;
  flipped[150] ^= 0x40;  // a data byte of x.npy
  expect_npz_rejected(flipped, {"member 'x.npy'", "CRC-32"});
  const size_t central = find_signature(good, 0x02014b50);
  std::string encrypted = good;
  encrypted[central + 8] = 1;
  expect_npz_rejected(encrypted, {"member 'x.npy'", "encrypted"});
  std::string bzip2 = good;
  bzip2[central + 10] = 12;
  expect_npz_rejected(bzip2, {"compression method 12"});
  std::string far_offset = good;
  far_offset[central + 44] = 0x7f;  // local header offset 0x7f000000
  expect_npz_rejected(far_offset, {"member 'x.npy'", "local header"});
  std::string deflated = numpy_pair(true);
  deflated[70] ^= 0xff;
  expect_npz_rejected(deflated, {"member 'x.npy'"});
  expect_npz_rejected(npz_bytes({{"notes.txt", "hello"}}, false), {"notes.txt", "not a .npy member"});
  expect_npz_rejected(npz_bytes({{"x.npy", npy_bytes(kX)}, {"x.npy", npy_bytes(kX)}}, false), {"appears twice"});
  expect_npz_rejected(npz_bytes({{"x.npy", "not numpy"}}, false), {"x.npy", "\\x93NUMPY"});
}
