#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "io/atomic_file.h"
#include "support/helpers.h"

using longconv::io::read_file;
using longconv::io::write_file_atomic;
using longconv::test::error_of;
using longconv::test::TempDir;

TEST(AtomicFile, WritesAndReplaces) {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  write_file_atomic(path, std::string_view("old content"));
  EXPECT_EQ(read_file(path), "old content");
  write_file_atomic(path, [](std::ostream& out) { out << "new"; });
  EXPECT_EQ(read_file(path), "new");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.bin"});
}

TEST(AtomicFile, BinaryAndLargeContentSurvive) {
  TempDir dir;
  const std::string path = dir.file("big.bin");
  std::string bytes(300000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 % 251);
  write_file_atomic(path, [&](std::ostream& out) {
    out.put(bytes[0]);  // a small write then a large one exercise both paths of the stream buffer
    out.write(bytes.data() + 1, static_cast<std::streamsize>(bytes.size() - 1));
  });
  EXPECT_EQ(read_file(path), bytes);
}

TEST(AtomicFile, FailingWriterKeepsOldContent) {
  TempDir dir;
  const std::string path = dir.file("out.bin");
  write_file_atomic(path, std::string_view("old content"));
  const auto failing = [](std::ostream& out) {
    out << std::string(100000, 'x');  // enough to reach the temporary file before failing
    throw std::runtime_error("boom");
  };
  EXPECT_EQ(error_of([&] { write_file_atomic(path, failing); }), "boom");
  EXPECT_EQ(read_file(path), "old content");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.bin"});
}

TEST(AtomicFile, MissingDirectoryIsAnErrorNamingThePath) {
  TempDir dir;
  const std::string path = dir.file("no/such/dir/out.bin");
  const std::string msg = error_of([&] { write_file_atomic(path, std::string_view("x")); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicFile, ReadMissingFileNamesIt) {
  TempDir dir;
  const std::string path = dir.file("absent.bin");
  const std::string msg = error_of([&] { read_file(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST(AtomicFile, ReadEmptyFile) {
  TempDir dir;
  const std::string path = dir.file("empty.bin");
  write_file_atomic(path, std::string_view());
  EXPECT_EQ(read_file(path), "");
}
