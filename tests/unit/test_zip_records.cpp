#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "io/zip_records.h"
#include "support/helpers.h"

using longconv::io::verify_zip_crc32;
using longconv::io::zip_records;
using longconv::test::error_of;

namespace {

std::string le(uint64_t value, int width) {
  std::string out;
  for (int i = 0; i < width; ++i) out += static_cast<char>(value >> (8 * i) & 0xff);
  return out;
}

uint32_t crc(const std::string& data) {
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}

struct Entry {
  std::string name, data;
  uint16_t method = 0;  // 8: `data` is deflated into the archive
};

std::string raw_deflate(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A ZIP archive of stored (or deflated) records as miniz writes them; `zip64` puts every size and offset in ZIP64
// fields.
std::string make_zip(const std::vector<Entry>& entries, bool zip64 = false, const std::string& comment = "") {
  std::string out, directory;
  for (const Entry& e : entries) {
    const uint64_t local = out.size();
    const std::string stored = e.method == 8 ? raw_deflate(e.data) : e.data;
    const std::string extra =
        zip64 ? le(1, 2) + le(24, 2) + le(e.data.size(), 8) + le(stored.size(), 8) + le(local, 8) : std::string();
    const std::string fields = le(e.method, 2) + le(0, 4) + le(crc(e.data), 4) +
                               le(zip64 ? 0xffffffff : stored.size(), 4) + le(zip64 ? 0xffffffff : e.data.size(), 4) +
                               le(e.name.size(), 2) + le(extra.size(), 2);
    out += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + fields + e.name + extra + stored;
    directory += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + fields + le(0, 2) + le(0, 2) + le(0, 2) +
                 le(0, 4) + le(zip64 ? 0xffffffff : local, 4) + e.name + extra;
  }
  const uint64_t directory_offset = out.size();
  out += directory;
  if (zip64) {
    const uint64_t record = out.size();
    out += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(entries.size(), 8) +
           le(entries.size(), 8) + le(directory.size(), 8) + le(directory_offset, 8);
    out += le(0x07064b50, 4) + le(0, 4) + le(record, 8) + le(1, 4);
  }
  const uint64_t n = zip64 ? 0xffff : entries.size();
  out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(n, 2) + le(n, 2) + le(zip64 ? 0xffffffff : directory.size(), 4) +
         le(zip64 ? 0xffffffff : directory_offset, 4) + le(comment.size(), 2) + comment;
  return out;
}

void expect_records(const std::string& bytes) {
  const auto records = zip_records(bytes, "a.zip");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].name, "archive/data.pkl");
  EXPECT_EQ(bytes.substr(records[0].data_offset, records[0].size), "pickle");
  EXPECT_EQ(records[1].name, "archive/data/0");
  EXPECT_EQ(bytes.substr(records[1].data_offset, records[1].size), std::string(40, 'x'));
  EXPECT_EQ(records[1].crc32, crc(std::string(40, 'x')));
  EXPECT_EQ(bytes.substr(records[1].entry_offset, 4), "PK\x01\x02");
  verify_zip_crc32(bytes, "a.zip");
}

const std::vector<Entry> kEntries = {{"archive/data.pkl", "pickle"}, {"archive/data/0", std::string(40, 'x')}};

}  // namespace

TEST(ZipRecords, ListsStoredRecords) { expect_records(make_zip(kEntries)); }

TEST(ZipRecords, ReadsZip64Fields) { expect_records(make_zip(kEntries, /*zip64=*/true)); }

TEST(ZipRecords, AcceptsATrailingComment) { expect_records(make_zip(kEntries, false, "a comment")); }

// LibTorch deflates the TorchScript code records of an archive; their CRC-32 is of the inflated bytes.
TEST(ZipRecords, ChecksDeflatedRecordsAfterInflating) {
  const std::string code(5000, 'c');
  const std::string bytes = make_zip({{"archive/code/__torch__.py", code, /*method=*/8}, kEntries[1]});
  const auto records = zip_records(bytes, "a.zip");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].deflated);
  EXPECT_EQ(records[0].size, 5000u);
  EXPECT_LT(records[0].stored_size, 100u);
  verify_zip_crc32(bytes, "a.zip");
  for (const uint64_t at : {records[0].data_offset, records[0].data_offset + records[0].stored_size / 2}) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x55);
    const std::string message = error_of([&] { verify_zip_crc32(damaged, "a.zip"); });
    EXPECT_EQ(message.rfind("a.zip: record 'archive/code/__torch__.py'", 0), 0u) << message;
  }
}

TEST(ZipRecords, CrcMismatchNamesTheRecord) {
  std::string bytes = make_zip(kEntries);
  bytes[zip_records(bytes, "a.zip")[1].data_offset + 7] = 'y';
  const std::string message = error_of([&] { verify_zip_crc32(bytes, "a.zip"); });
  EXPECT_EQ(message.rfind("a.zip: record 'archive/data/0' (40 bytes) fails its CRC-32 check", 0), 0u) << message;
}

TEST(ZipRecords, MalformedArchivesAreErrorsNamingTheFault) {
  const std::string good = make_zip(kEntries);
  const auto fault = [](const std::string& bytes) { return error_of([&] { zip_records(bytes, "a.zip"); }); };
  EXPECT_NE(fault("PK").find("too short"), std::string::npos);
  EXPECT_NE(fault(good.substr(0, good.size() - 1)).find("no end-of-central-directory"), std::string::npos);
  EXPECT_NE(fault(good + "junk").find("no end-of-central-directory"), std::string::npos);
  EXPECT_NE(fault(make_zip({{"z", "abc", /*method=*/12}})).find("record 'z' uses compression method 12"),
            std::string::npos);

  // The central directory's offset moved past the end of the file.
  std::string bad_directory = good;
  bad_directory.replace(good.size() - 6, 4, le(good.size(), 4));
  EXPECT_NE(fault(bad_directory).find("central directory at byte"), std::string::npos) << fault(bad_directory);

  // A record's local header offset pointing into the middle of its data.
  const size_t directory_offset = zip_records(good, "a.zip")[1].data_offset + 40;
  std::string bad_local = good;
  bad_local.replace(directory_offset + 42, 4, le(5, 4));
  EXPECT_NE(fault(bad_local).find("no local file header at byte 5"), std::string::npos) << fault(bad_local);

  // A record claiming more bytes than lie before the central directory.
  std::string long_record = good;
  long_record.replace(directory_offset + 20, 4, le(1000, 4));
  long_record.replace(directory_offset + 24, 4, le(1000, 4));
  EXPECT_NE(fault(long_record).find("overrun the central directory"), std::string::npos) << fault(long_record);
}
