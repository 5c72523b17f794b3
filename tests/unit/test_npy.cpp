#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "data/formats/npy.h"
#include "support/helpers.h"
#include "support/numpy_files.h"
#include "support/numpy_writer.h"

using longconv::data::read_npy;
using longconv::test::error_of;
using longconv::test::from_hex;
using longconv::test::npy_bytes;
using longconv::test::npy_header;
using longconv::test::TempDir;
using longconv::test::write_file;

namespace {

// Reads `bytes` as a .npy file and expects an error naming the file and holding every word.
void expect_npy_rejected(const std::string& bytes, std::initializer_list<const char*> words) {
  TempDir dir;
  const std::string path = dir.file("bad.npy");
  write_file(path, bytes);
  const std::string msg = error_of([&] { read_npy(path).rows(0, 0); });
  ASSERT_FALSE(msg.empty()) << "accepted a malformed file";
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  for (const char* word : words) EXPECT_NE(msg.find(word), std::string::npos) << "no '" << word << "' in: " << msg;
}

std::string with_header(const std::string& dict, const std::string& data) {
  std::string header = dict + "\n";
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header + data;
}

}  // namespace

TEST(Npy, TestWriterReproducesNumpyBytes) {
  const torch::Tensor x = torch::arange(6, torch::kFloat32).reshape({2, 3});
  EXPECT_EQ(npy_bytes(x), from_hex(longconv::test::kNumpyLittleF4));
  EXPECT_EQ(npy_bytes(x.to(torch::kFloat64), /*big_endian=*/true, /*fortran_order=*/true),
            from_hex(longconv::test::kNumpyBigFortranF8));
}

TEST(Npy, ReadsNumpysOwnFiles) {
  TempDir dir;
  const torch::Tensor x = torch::arange(6, torch::kFloat32).reshape({2, 3});
  write_file(dir.file("le.npy"), from_hex(longconv::test::kNumpyLittleF4));
  write_file(dir.file("bef.npy"), from_hex(longconv::test::kNumpyBigFortranF8));
  EXPECT_TRUE(read_npy(dir.file("le.npy")).rows(0, 2).equal(x));
  const auto big = read_npy(dir.file("bef.npy"));
  EXPECT_EQ(big.dtype(), torch::kFloat64);
  EXPECT_TRUE(big.rows(0, 2).equal(x.to(torch::kFloat64)));
  EXPECT_TRUE(big.row(1).equal(x[1].to(torch::kFloat64)));
}

TEST(Npy, EveryTypeInBothByteOrdersAndMemoryOrders) {
  torch::manual_seed(0);
  const torch::Tensor values = torch::randn({3, 4, 5}) * 100;
  TempDir dir;
  for (auto type : {torch::kFloat32, torch::kFloat64, torch::kFloat16, torch::kInt64, torch::kInt32, torch::kInt16,
                    torch::kInt8, torch::kUInt8, torch::kBool})
    for (bool big : {false, true})
      for (bool fortran : {false, true})
        for (const std::vector<int64_t>& shape : {std::vector<int64_t>{3, 4, 5}, {3, 20}, {60}}) {
          const torch::Tensor t = values.reshape(shape).to(type);
          const std::string path = dir.file("a.npy");
          write_file(path, npy_bytes(t, big, fortran));
          const auto a = read_npy(path);
          SCOPED_TRACE(std::string(c10::toString(type)) + (big ? " big" : " little") + (fortran ? " F" : " C") +
                       " dims " + std::to_string(shape.size()));
          EXPECT_EQ(a.dtype(), type);
          EXPECT_EQ(a.shape(), shape);
          EXPECT_TRUE(a.rows(0, 3).equal(t.slice(0, 0, 3)));
          EXPECT_TRUE(a.rows(1, 3).equal(t.slice(0, 1, 3)));
          EXPECT_TRUE(a.row(2).equal(t[2]));
        }
}

TEST(Npy, VersionsTwoAndThreeAndEmptyArrays) {
  TempDir dir;
  const torch::Tensor t = torch::arange(4, torch::kInt64);
  std::string v1 = npy_bytes(t);
  // 2.0 and 3.0 differ from 1.0 in a 4-byte header length (and UTF-8 for 3.0).
  for (char major : {'\x02', '\x03'}) {
    std::string header = v1.substr(10, v1.size() - 10 - 32);
    std::string bytes = std::string("\x93NUMPY", 6) + major + '\0';
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
    bytes += header + v1.substr(v1.size() - 32);
    write_file(dir.file("v.npy"), bytes);
    EXPECT_TRUE(read_npy(dir.file("v.npy")).rows(0, 4).equal(t)) << "version " << int(major);
  }
  write_file(dir.file("e.npy"), npy_bytes(torch::zeros({0, 3})));
  EXPECT_EQ(read_npy(dir.file("e.npy")).shape(), (std::vector<int64_t>{0, 3}));
}

TEST(Npy, ParsesHeadersNumpyAccepts) {
  TempDir dir;
  const std::string data(8, '\0');
  // Keys in any order, double quotes, no trailing comma, spaces around tokens, Python 2's long suffix.
  for (const std::string& dict : {std::string("{\"shape\": (2,), \"descr\": \"<i4\", \"fortran_order\": False}"),
                                  std::string("{ 'fortran_order' : False , 'shape' : ( 2L , ) , 'descr' : '<i4' }")}) {
    write_file(dir.file("h.npy"), with_header(dict, data));
    EXPECT_EQ(read_npy(dir.file("h.npy")).shape(), std::vector<int64_t>{2}) << dict;
  }
}

TEST(Npy, RejectsMalformedFiles) {
  const std::string data(24, '\0');
  const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  expect_npy_rejected("PK\x03\x04 not numpy", {"no \\x93NUMPY magic"});
  expect_npy_rejected(std::string("\x93NUMPY\x04\x00", 8) + std::string(40, ' '), {"version 4.0"});
  expect_npy_rejected(with_header(good, data.substr(0, 20)), {"needs 24 data bytes", "holds 20", "truncated"});
  expect_npy_rejected(with_header(good, data + "x"), {"needs 24 data bytes", "holds 25"});
  expect_npy_rejected(with_header("{'descr': '<f4', 'shape': (2, 3), }", data), {"lacks key 'fortran_order'"});
  expect_npy_rejected(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': (1,)}", data),
                      {"unknown key 'x'"});
  expect_npy_rejected(with_header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", data),
                      {"'descr' appears twice"});
  expect_npy_rejected(with_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,)}", data),
                      {"structured dtypes"});
  expect_npy_rejected(with_header("{'descr': '<U1', 'fortran_order': False, 'shape': (6,)}", data), {"strings"});
  expect_npy_rejected(with_header("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}", data), {"Python objects"});
  expect_npy_rejected(with_header("{'descr': '<u2', 'fortran_order': False, 'shape': (12,)}", data), {"unsigned"});
  expect_npy_rejected(with_header("{'descr': '<c8', 'fortran_order': False, 'shape': (3,)}", data), {"complex"});
  expect_npy_rejected(with_header("{'descr': '|f4', 'fortran_order': False, 'shape': (6,)}", data), {"'|'"});
  expect_npy_rejected(with_header("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", data), {"'fortran_order'"});
  expect_npy_rejected(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", data),
                      {"non-negative integer"});
  expect_npy_rejected(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} junk", data),
                      {"text after the header"});
  std::string no_newline = with_header(good, data);
  no_newline[10 + good.size()] = ' ';
  expect_npy_rejected(no_newline, {"does not end with a newline"});
  std::string too_long = with_header(good, data);
  too_long[8] = '\xff';
  expect_npy_rejected(too_long, {"runs past the end"});
}

TEST(Npy, MissingFileNamesIt) {
  TempDir dir;
  const std::string msg = error_of([&] { read_npy(dir.file("none.npy")); });
  EXPECT_NE(msg.find(dir.file("none.npy") + ": no such file"), std::string::npos) << msg;
}

// A file larger than this machine's memory: a sparse .npy of 64 GiB is mapped, not read.
TEST(Npy, MapsFilesLargerThanMemory) {
  TempDir dir;
  const int64_t rows = int64_t{1} << 20, row_elements = int64_t{1} << 14;  // float32: 64 KiB per row
  const std::string header = npy_header("<f4", false, {rows, 1, row_elements});
  const std::string path = dir.file("big.npy");
  write_file(path, header);
  std::filesystem::resize_file(path, header.size() + static_cast<uint64_t>(rows * row_elements * 4));
  const auto a = read_npy(path);
  EXPECT_EQ(a.shape(), (std::vector<int64_t>{rows, 1, row_elements}));
  EXPECT_TRUE(a.row(rows - 1).equal(torch::zeros({1, row_elements})));
}
