#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <string>

#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "support/helpers.h"

using longconv::io::parse_safetensors;
using longconv::io::read_file;
using longconv::io::read_safetensors;
using longconv::io::write_file_atomic;
using longconv::io::write_safetensors;
using longconv::test::error_of;
using longconv::test::TempDir;

namespace {

// A safetensors image: little-endian header length, header, data.
std::string image(const std::string& header, const std::string& data = "") {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(static_cast<uint64_t>(header.size()) >> (8 * i) & 0xff);
  return bytes + header + data;
}

// Writes `bytes` to a file and checks that reading it fails with a message naming the file and holding every word.
void expect_safetensors_rejected(const std::string& bytes, std::initializer_list<const char*> words) {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  write_file_atomic(path, bytes);
  const std::string msg = error_of([&] { read_safetensors(path); });
  ASSERT_FALSE(msg.empty()) << "accepted a malformed file";
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  for (const char* word : words) EXPECT_NE(msg.find(word), std::string::npos) << "no '" << word << "' in: " << msg;
}

}  // namespace

TEST(Safetensors, RoundTripsEveryDtype) {
  torch::manual_seed(0);
  const std::map<std::string, torch::Tensor> tensors = {
      {"f64", torch::randn({2, 3}, torch::kDouble)},
      {"f32", torch::randn({4})},
      {"f16", torch::randn({3}).to(torch::kHalf)},
      {"bf16", torch::randn({5}).to(torch::kBFloat16)},
      {"i64", torch::tensor({std::numeric_limits<int64_t>::min(), int64_t{5}}, torch::kLong)},
      {"i32", torch::tensor({-7, 0, 2147483647}, torch::kInt)},
      {"u8", torch::tensor({0, 128, 255}, torch::kByte)},
      {"bool", torch::tensor({true, false, true})},
      {"empty", torch::zeros({0, 3})},
      {"scalar", torch::tensor(2.5, torch::kDouble)},
      {"transposed", torch::arange(6, torch::kFloat).view({2, 3}).t()},
  };
  const std::map<std::string, std::string> metadata = {{"config", R"({"d_model": 4})"}, {"note", "caf\u00e9"}};
  TempDir dir;
  const std::string path = dir.file("all.safetensors");
  write_safetensors(path, tensors, metadata);

  const auto loaded = read_safetensors(path);
  EXPECT_EQ(loaded.metadata, metadata);
  ASSERT_EQ(loaded.tensors.size(), tensors.size());
  for (const auto& [name, expected] : tensors) {
    SCOPED_TRACE(name);
    const torch::Tensor& got = loaded.tensors.at(name);
    EXPECT_EQ(got.scalar_type(), expected.scalar_type());
    EXPECT_EQ(got.sizes(), expected.sizes());
    EXPECT_TRUE(got.is_contiguous());
    EXPECT_TRUE(torch::equal(got, expected));
  }
}

TEST(Safetensors, TinyFileIsByteExact) {
  const std::map<std::string, torch::Tensor> tensors = {
      {"b", torch::tensor({1, 2, 3}, torch::kByte)},
      {"a", torch::tensor({1.0f, -2.0f})},
  };
  TempDir dir;
  const std::string path = dir.file("tiny.safetensors");
  write_safetensors(path, tensors, {{"k", "v"}});

  // 132 bytes of JSON padded with 4 spaces to 136 = 0x88; tensors sorted by name and packed; 1.0f, -2.0f as LE.
  const std::string header = R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}})"
                             "    ";
  const std::string expected = std::string("\x88\0\0\0\0\0\0\0", 8) + header +
                               std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8) + "\x01\x02\x03";
  EXPECT_EQ(read_file(path), expected);

  const auto parsed = parse_safetensors(expected, "expected");
  EXPECT_TRUE(torch::equal(parsed.tensors.at("a"), torch::tensor({1.0f, -2.0f})));
  EXPECT_TRUE(torch::equal(parsed.tensors.at("b"), torch::tensor({1, 2, 3}, torch::kByte)));
  EXPECT_EQ(parsed.metadata.at("k"), "v");
}

TEST(Safetensors, ZeroElementTensorsAreValid) {
  const auto parsed = parse_safetensors(image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                              R"("e":{"dtype":"I64","shape":[0,4],"data_offsets":[4,4]},)"
                                              R"("z":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}})",
                                              std::string(6, '\1')),
                                        "mem");
  EXPECT_EQ(parsed.tensors.at("e").sizes(), (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(parsed.tensors.at("e").scalar_type(), torch::kLong);
  EXPECT_EQ(parsed.tensors.at("z").sizes(), (std::vector<int64_t>{2}));
  EXPECT_TRUE(parse_safetensors(image("{}"), "mem").tensors.empty());
}

TEST(Safetensors, LayoutPlacesEachTensorInTheImage) {
  TempDir dir;
  const torch::Tensor a = torch::arange(3, torch::kByte), b = torch::tensor({1.5, -2.0}, torch::kDouble);
  write_safetensors(dir.file("t.safetensors"), {{"a", a}, {"b", b}}, {{"k", "v"}});
  const std::string bytes = read_file(dir.file("t.safetensors"));
  const auto layout = longconv::io::parse_safetensors_layout(bytes, "t");
  EXPECT_EQ(layout.metadata.at("k"), "v");
  const auto& ea = layout.tensors.at("a");
  const auto& eb = layout.tensors.at("b");
  EXPECT_EQ(ea.dtype, torch::kByte);
  EXPECT_EQ(eb.shape, std::vector<int64_t>{2});
  EXPECT_EQ(ea.nbytes, 3u);
  EXPECT_EQ(eb.offset, ea.offset + 3);
  EXPECT_EQ(eb.offset + eb.nbytes, bytes.size());
  EXPECT_EQ(std::memcmp(bytes.data() + eb.offset, b.data_ptr(), 16), 0);
  EXPECT_NE(
      error_of([&] { longconv::io::parse_safetensors_layout(bytes.substr(0, bytes.size() - 1), "t"); }).find("t: "),
      std::string::npos);
}

TEST(Safetensors, ReadMissingFileNamesIt) {
  TempDir dir;
  const std::string path = dir.file("absent.safetensors");
  EXPECT_NE(error_of([&] { read_safetensors(path); }).find(path), std::string::npos);
}

TEST(Safetensors, WriteIntoMissingDirectoryLeavesNothing) {
  TempDir dir;
  const std::string path = dir.file("missing/out.safetensors");
  const std::string msg = error_of([&] { write_safetensors(path, {{"x", torch::ones({2})}}); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_TRUE(dir.entries().empty());
}

TEST(Safetensors, WriteRejectsUnsupportedDtype) {
  TempDir dir;
  const std::string path = dir.file("complex.safetensors");
  const std::string msg = error_of([&] {
    write_safetensors(path, {{"ok", torch::ones({2})}, {"z", torch::ones({2}, torch::kComplexFloat)}});
  });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("'z'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported dtype"), std::string::npos) << msg;
  EXPECT_TRUE(dir.entries().empty());
}

// One test per fault the reader must reject.

TEST(SafetensorsMalformed, ShorterThanEightBytes) { expect_safetensors_rejected("\x01\x02\x03", {"too short"}); }

TEST(SafetensorsMalformed, HeaderLengthPastEnd) {
  expect_safetensors_rejected(std::string("\x64\0\0\0\0\0\0\0", 8) + "{}",
                              {"header length 100", "past the end of the file"});
}

TEST(SafetensorsMalformed, InvalidJson) { expect_safetensors_rejected(image(R"({"t":)"), {"invalid JSON"}); }

TEST(SafetensorsMalformed, HeaderNotAnObject) { expect_safetensors_rejected(image("[1,2]"), {"not a JSON object"}); }

TEST(SafetensorsMalformed, EntryNotAnObject) {
  expect_safetensors_rejected(image(R"({"t":3})"), {"'t'", "not an object"});
}

TEST(SafetensorsMalformed, MissingOrIllTypedDtype) {
  expect_safetensors_rejected(image(R"({"t":{"shape":[1],"data_offsets":[0,4]}})", "abcd"), {"'t'", "dtype"});
  expect_safetensors_rejected(image(R"({"t":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", "abcd"), {"'t'", "dtype"});
}

TEST(SafetensorsMalformed, MissingOrIllTypedShape) {
  expect_safetensors_rejected(image(R"({"t":{"dtype":"F32","data_offsets":[0,4]}})", "abcd"), {"'t'", "shape"});
  expect_safetensors_rejected(image(R"({"t":{"dtype":"F32","shape":"1","data_offsets":[0,4]}})", "abcd"),
                              {"'t'", "shape"});
  expect_safetensors_rejected(image(R"({"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", "abcd"),
                              {"'t'", "shape"});
}

TEST(SafetensorsMalformed, MissingOrIllTypedDataOffsets) {
  for (const char* offsets : {"", R"(,"data_offsets":[0])", R"(,"data_offsets":[0,"4"])", R"(,"data_offsets":[-1,4])",
                              R"(,"data_offsets":{"begin":0})"}) {
    SCOPED_TRACE(offsets);
    expect_safetensors_rejected(image(std::string(R"({"t":{"dtype":"F32","shape":[1])") + offsets + "}}", "abcd"),
                                {"'t'", "data_offsets"});
  }
}

TEST(SafetensorsMalformed, UnknownDtype) {
  expect_safetensors_rejected(image(R"({"t":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", "a"),
                              {"'t'", "unknown dtype 'F8_E4M3'"});
}

TEST(SafetensorsMalformed, NegativeDimension) {
  expect_safetensors_rejected(image(R"({"t":{"dtype":"U8","shape":[-2],"data_offsets":[0,2]}})", "ab"),
                              {"'t'", "negative"});
}

TEST(SafetensorsMalformed, BeginAfterEnd) {
  expect_safetensors_rejected(image(R"({"t":{"dtype":"U8","shape":[0],"data_offsets":[2,0]}})", "ab"),
                              {"'t'", "begin 2 > end 0"});
}

TEST(SafetensorsMalformed, OffsetsPastEndOfData) {
  expect_safetensors_rejected(image(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "abcd"),
                              {"'t'", "past the end of the data"});
}

TEST(SafetensorsMalformed, OverlappingTensors) {
  expect_safetensors_rejected(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                    std::string(12, '\0')),
                              {"'a'", "'b'", "overlap"});
}

TEST(SafetensorsMalformed, ByteCountNotMatchingShape) {
  expect_safetensors_rejected(
      image(R"({"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", std::string(12, '\0')),
      {"'t'", "[2, 2]", "16 bytes", "hold 12"});
}

TEST(SafetensorsMalformed, MetadataNotStrings) {
  expect_safetensors_rejected(image(R"({"__metadata__":{"k":1}})"), {"metadata", "'k'", "not a string"});
  expect_safetensors_rejected(image(R"({"__metadata__":["k"]})"), {"__metadata__", "not an object"});
}

TEST(SafetensorsMalformed, GapInData) {
  expect_safetensors_rejected(image(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                    R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                                    std::string(12, '\0')),
                              {"gap", "[4, 8)"});
}

TEST(SafetensorsMalformed, TrailingBytes) {
  expect_safetensors_rejected(image(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", std::string(10, '\0')),
                              {"2 trailing bytes"});
}

// JSON objects keep one value per key, so the first "t" would have vanished and left its bytes as a gap.
TEST(SafetensorsMalformed, DuplicateKey) {
  expect_safetensors_rejected(image(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                    R"("t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                    std::string(8, '\0')),
                              {"duplicate key 't'"});
}
