#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "data/datasets/tensors.h"
#include "io/safetensors.h"
#include "support/helpers.h"
#include "support/numpy_writer.h"

using longconv::data::make_tensors_splits;
using longconv::data::Splits;
using longconv::data::Task;
using longconv::data::TensorsOptions;
using longconv::test::error_of;
using longconv::test::npy_bytes;
using longconv::test::npy_header;
using longconv::test::npz_bytes;
using longconv::test::TempDir;
using longconv::test::write_file;

namespace fs = std::filesystem;

namespace {

TensorsOptions options_for(const std::string& path) {
  TensorsOptions o;
  o.path = path;
  o.arrays.normalize = false;
  return o;
}

// Every x of a split, in order.
torch::Tensor all_x(const longconv::data::Dataset& d) {
  std::vector<torch::Tensor> xs;
  for (int64_t i = 0; i < d.size(); ++i) xs.push_back(d.get(i, nullptr).x);
  return torch::stack(xs);
}

struct Arrays {
  torch::Tensor x = torch::randn({12, 2, 5});
  torch::Tensor y = torch::arange(12, torch::kInt64) % 3;
  torch::Tensor lengths = torch::randint(1, 6, {12}, torch::kInt64);
};

}  // namespace

TEST(TensorsDataset, EveryFileFormatGivesTheSameSplits) {
  torch::manual_seed(0);
  const Arrays a;
  TempDir dir;
  longconv::io::write_safetensors(dir.file("d.safetensors"), {{"x", a.x}, {"y", a.y}, {"lengths", a.lengths}});
  const std::vector<std::pair<std::string, std::string>> members = {
      {"x.npy", npy_bytes(a.x)}, {"y.npy", npy_bytes(a.y)}, {"lengths.npy", npy_bytes(a.lengths)}};
  write_file(dir.file("s.npz"), npz_bytes(members, false));
  write_file(dir.file("z.npz"), npz_bytes(members, true));
  fs::create_directory(dir.file("npy"));
  write_file(dir.file("npy/x.npy"), npy_bytes(a.x, /*big_endian=*/true));
  write_file(dir.file("npy/y.npy"), npy_bytes(a.y.to(torch::kInt32)));
  write_file(dir.file("npy/lengths.npy"), npy_bytes(a.lengths, false, /*fortran_order=*/true));
  write_file(dir.file("npy/README.txt"), "other files are ignored");

  const Splits reference = make_tensors_splits(options_for(dir.file("d.safetensors")));
  EXPECT_EQ(reference.info.task, Task::Classification);
  EXPECT_EQ(reference.info.d_output, 3);
  EXPECT_EQ(reference.info.d_input, 2);
  for (const char* path : {"s.npz", "z.npz", "npy"}) {
    const Splits s = make_tensors_splits(options_for(dir.file(path)));
    SCOPED_TRACE(path);
    for (auto [mine, theirs] :
         {std::pair{s.train, reference.train}, {s.val, reference.val}, {s.test, reference.test}}) {
      ASSERT_EQ(mine->size(), theirs->size());
      EXPECT_TRUE(all_x(*mine).equal(all_x(*theirs)));
      for (int64_t i = 0; i < mine->size(); ++i) {
        EXPECT_EQ(mine->get(i, nullptr).length, theirs->get(i, nullptr).length);
        EXPECT_TRUE(mine->get(i, nullptr).y.equal(theirs->get(i, nullptr).y));
      }
    }
  }
}

TEST(TensorsDataset, ADirectoryOfSplitFiles) {
  torch::manual_seed(1);
  const Arrays a;
  TempDir dir;
  longconv::io::write_safetensors(dir.file("train.safetensors"), {{"x", a.x}, {"y", a.y}});
  write_file(dir.file("test.npz"),
             npz_bytes({{"x.npy", npy_bytes(a.x.slice(0, 0, 4))}, {"y.npy", npy_bytes(a.y.slice(0, 0, 4))}}, true));
  fs::create_directory(dir.file("val"));
  write_file(dir.file("val/x.npy"), npy_bytes(a.x.slice(0, 4, 7)));
  write_file(dir.file("val/y.npy"), npy_bytes(a.y.slice(0, 4, 7)));
  const Splits s = make_tensors_splits(options_for(dir.path().string()));
  EXPECT_EQ(s.train->size(), 12);
  EXPECT_EQ(s.val->size(), 3);
  EXPECT_EQ(s.test->size(), 4);
  EXPECT_TRUE(all_x(*s.test).equal(a.x.slice(0, 0, 4)));
  EXPECT_TRUE(all_x(*s.val).equal(a.x.slice(0, 4, 7)));
  EXPECT_TRUE(all_x(*s.train).equal(a.x));
  // Without val, it is held out of train.
  fs::remove_all(dir.file("val"));
  const Splits held = make_tensors_splits(options_for(dir.path().string()));
  EXPECT_EQ(held.train->size() + held.val->size(), 12);
  EXPECT_EQ(held.test->size(), 4);
}

TEST(TensorsDataset, RejectsWhatItCannotRead) {
  torch::manual_seed(2);
  const Arrays a;
  TempDir dir;
  longconv::io::write_safetensors(dir.file("extra.safetensors"), {{"x", a.x}, {"y", a.y}, {"weights", a.y}});
  EXPECT_NE(error_of([&] {
              make_tensors_splits(options_for(dir.file("extra.safetensors")));
            }).find("extra.safetensors: unexpected array 'weights'"),
            std::string::npos);
  longconv::io::write_safetensors(dir.file("no_y.safetensors"), {{"x", a.x}});
  EXPECT_NE(error_of([&] { make_tensors_splits(options_for(dir.file("no_y.safetensors"))); }).find("no array 'y'"),
            std::string::npos);
  write_file(dir.file("x.npy"), npy_bytes(a.x));
  EXPECT_NE(error_of([&] { make_tensors_splits(options_for(dir.file("x.npy"))); }).find("a .npy file holds one array"),
            std::string::npos);
  EXPECT_NE(error_of([&] { make_tensors_splits(options_for(dir.file("nothing"))); }).find("nothing: no such file"),
            std::string::npos);
  write_file(dir.file("data.csv"), "1,2\n");
  EXPECT_NE(
      error_of([&] { make_tensors_splits(options_for(dir.file("data.csv"))); }).find("not a .safetensors or .npz"),
      std::string::npos);
  TempDir empty;
  EXPECT_NE(error_of([&] { make_tensors_splits(options_for(empty.path().string())); }).find("neither x.npy nor train"),
            std::string::npos);
  TempDir both;
  write_file(both.file("train.npz"), npz_bytes({{"x.npy", npy_bytes(a.x)}, {"y.npy", npy_bytes(a.y)}}, false));
  fs::create_directory(both.file("train"));
  EXPECT_NE(
      error_of([&] { make_tensors_splits(options_for(both.path().string())); }).find("split 'train' is given twice"),
      std::string::npos);
  fs::remove(both.file("train"));
  write_file(both.file("x.npy"), npy_bytes(a.x));
  EXPECT_NE(error_of([&] { make_tensors_splits(options_for(both.path().string())); }).find("holds both x.npy and"),
            std::string::npos);
}

// x of 64 GiB (a sparse file) trains from its mapping: nothing reads it whole when the statistics are given.
TEST(TensorsDataset, ArraysLargerThanMemoryAreMapped) {
  TempDir dir;
  const int64_t rows = int64_t{1} << 20, steps = int64_t{1} << 14;
  const std::string header = npy_header("<f4", false, {rows, 1, steps});
  write_file(dir.file("x.npy"), header);
  fs::resize_file(dir.file("x.npy"), header.size() + static_cast<uint64_t>(rows * steps * 4));
  write_file(dir.file("y.npy"), npy_bytes(torch::arange(rows, torch::kInt64) % 2));
  TensorsOptions o;
  o.path = dir.path().string();
  o.arrays.mean = {0.5};
  o.arrays.stddev = {2.0};
  o.arrays.test_split = 0.001;
  const Splits s = make_tensors_splits(o);
  EXPECT_EQ(s.info.max_length, steps);
  EXPECT_EQ(s.info.d_output, 2);
  const auto e = s.test->get(s.test->size() - 1, nullptr);
  EXPECT_TRUE(e.x.equal(torch::full({1, steps}, -0.25f)));
}
