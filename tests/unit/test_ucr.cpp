#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <string>

#include "data/datasets/ucr.h"
#include "data/formats/ucr_archive.h"
#include "support/helpers.h"
#include "support/ucr_files.h"

using longconv::data::make_ucr_splits;
using longconv::data::read_ts_file;
using longconv::data::read_ucr_tsv;
using longconv::data::Task;
using longconv::data::ucr_classes;
using longconv::data::UcrOptions;
using longconv::test::error_of;
using longconv::test::kUcrMultivariateUnequalTs;
using longconv::test::kUcrPaddedTsv;
using longconv::test::kUcrRegressionTs;
using longconv::test::kUcrUnivariateTs;
using longconv::test::TempDir;
using longconv::test::write_file;

namespace fs = std::filesystem;

namespace {

std::string error_text(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(UcrArchive, ReadsUnivariateTs) {
  TempDir dir;
  write_file(dir.file("Tiny_TRAIN.ts"), kUcrUnivariateTs);
  const auto t = read_ts_file(dir.file("Tiny_TRAIN.ts"));
  EXPECT_TRUE(t.values.equal(
      torch::tensor({{{1.0f, 2.0f, 3.0f, 4.0f}}, {{5.0f, 6.0f, 7.0f, 8.0f}}, {{0.5f, -10.0f, 3.0f, 2.0f}}})));
  EXPECT_EQ(t.labels, (std::vector<std::string>{"a", "b", "a"}));
  EXPECT_EQ(t.class_labels, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(t.lengths, (std::vector<int64_t>{4, 4, 4}));
}

TEST(UcrArchive, ReadsMultivariateUnequalLengthTsWithMissingValues) {
  TempDir dir;
  write_file(dir.file("R_TRAIN.ts"), kUcrMultivariateUnequalTs);
  const auto t = read_ts_file(dir.file("R_TRAIN.ts"));
  EXPECT_EQ(t.values.sizes(), (std::vector<int64_t>{3, 2, 5}));
  EXPECT_EQ(t.lengths, (std::vector<int64_t>{3, 2, 5}));
  EXPECT_TRUE(std::isnan(t.values[1][0][1].item<float>()));  // '?'
  EXPECT_TRUE(std::isnan(t.values[2][1][4].item<float>()));  // a dimension shorter than its case
  EXPECT_EQ(t.values[2][0][4].item<float>(), 11.0f);
}

TEST(UcrArchive, ReadsRegressionTs) {
  TempDir dir;
  write_file(dir.file("R_TRAIN.ts"), kUcrRegressionTs);
  const auto t = read_ts_file(dir.file("R_TRAIN.ts"));
  EXPECT_TRUE(t.regression());
  EXPECT_EQ(t.targets, (std::vector<double>{0.5, -2.0}));
}

TEST(UcrArchive, ReadsTsvWithNanPadding) {
  TempDir dir;
  write_file(dir.file("T_TRAIN.tsv"), kUcrPaddedTsv);
  const auto t = read_ucr_tsv(dir.file("T_TRAIN.tsv"));
  EXPECT_EQ(t.lengths, (std::vector<int64_t>{3, 1, 3}));
  EXPECT_EQ(t.labels, (std::vector<std::string>{"1", "-1", "1"}));
  EXPECT_TRUE(std::isnan(t.values[2][0][0].item<float>()));
}

TEST(UcrArchive, RejectsMalformedFilesWithTheLine) {
  TempDir dir;
  const auto error = [&](const std::string& text) {
    write_file(dir.file("X_TRAIN.ts"), text);
    return error_of([&] { read_ts_file(dir.file("X_TRAIN.ts")); });
  };
  const std::string head = "@problemName X\n@classLabel true a b\n@data\n";
  EXPECT_NE(error("@problemName X\n@colour blue\n").find("X_TRAIN.ts: line 2: unknown tag '@colour'"),
            std::string::npos);
  EXPECT_NE(error("@timeStamps true\n").find("line 1: timestamped series"), std::string::npos);
  EXPECT_NE(error(head + "1,2:c\n").find("line 4: label 'c' is not in @classLabel"), std::string::npos);
  EXPECT_NE(error(head + "1,2:a\n1,2:3,4:b\n").find("line 5: 2 dimensions, the first case has 1"), std::string::npos);
  EXPECT_NE(error(head + "1,x:a\n").find("line 4: dimension 1: 'x' is not a number"), std::string::npos);
  EXPECT_NE(error(head + "1,,2:a\n").find("line 4: dimension 1: empty value"), std::string::npos);
  EXPECT_NE(error("@problemName X\n@data\n1:a\n").find("@data before @classLabel true"), std::string::npos);
  EXPECT_NE(error(head).find("no cases after @data"), std::string::npos);
  EXPECT_NE(error("1,2:a\n").find("line 1: expected an @-tag"), std::string::npos);
  EXPECT_NE(error("@problemName X\n@dimensions 2\n@classLabel true a\n@data\n1:a\n").find("@dimensions says 2"),
            std::string::npos);
  // Found with fuzz_ucr_ts (UBSan): the count was cast to an integer unchecked, undefined for 1e300.
  EXPECT_NE(error("@dimensions 1e300\n").find("line 1: @dimensions '1e300' is not a positive integer below 2^31"),
            std::string::npos);
  write_file(dir.file("X_TRAIN.tsv"), "1\t2\n1,2,3\n");
  EXPECT_NE(error_of([&] { read_ucr_tsv(dir.file("X_TRAIN.tsv")); }).find("line 2: expected a label and values"),
            std::string::npos);
}

TEST(UcrDataset, TrainAndTestFilesOfAProblemFolder) {
  TempDir dir;
  fs::create_directories(dir.path() / "Tiny");
  write_file(dir.file("Tiny/Tiny_TRAIN.ts"), kUcrUnivariateTs);
  write_file(dir.file("Tiny/Tiny_TEST.ts"), std::string(kUcrUnivariateTs) + "9,9,9,9:b\n");
  UcrOptions o;
  o.path = dir.file("Tiny");
  o.arrays.split.val_split = 0;
  const auto s = make_ucr_splits(o);
  EXPECT_EQ(ucr_classes(o), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(s.info.task, Task::Classification);
  EXPECT_EQ(s.info.d_output, 2);
  EXPECT_EQ(s.train->size(), 3);
  EXPECT_EQ(s.test->size(), 4);
  EXPECT_EQ(s.test->get(3, nullptr).y.item<int64_t>(), 0);  // "b", first in @classLabel
  // The _TRAIN file's path works too; without a _TEST file the test split is held out.
  fs::remove(dir.file("Tiny/Tiny_TEST.ts"));
  o.path = dir.file("Tiny/Tiny_TRAIN.ts");
  o.arrays.test_split = 0.34;
  EXPECT_EQ(make_ucr_splits(o).test->size(), 1);
}

TEST(UcrDataset, TsvLabelsSortNumericallyAndUnequalLengthsArePadded) {
  TempDir dir;
  fs::create_directories(dir.path() / "T");
  write_file(dir.file("T/T_TRAIN.tsv"), "10\t1\t2\t3\n2\t4\tNaN\tNaN\n-1\t1\t1\t1\n2\t3\t3\t3\n");
  write_file(dir.file("T/T_TEST.tsv"), "10\t1\t2\n");
  UcrOptions o;
  o.path = dir.file("T");
  o.arrays.split.val_split = 0;
  o.arrays.normalize = false;
  EXPECT_EQ(ucr_classes(o), (std::vector<std::string>{"-1", "2", "10"}));
  const auto s = make_ucr_splits(o);
  const auto e = s.train->get(1, nullptr);
  EXPECT_EQ(e.y.item<int64_t>(), 1);
  EXPECT_EQ(e.length, 1);
  EXPECT_TRUE(e.x.equal(torch::tensor({{4.0f, 0.0f, 0.0f}})));
  EXPECT_EQ(s.test->get(0, nullptr).length, 2);
  EXPECT_EQ(s.test->get(0, nullptr).y.item<int64_t>(), 2);
}

TEST(UcrDataset, RegressionAndErrors) {
  TempDir dir;
  fs::create_directories(dir.path() / "R");
  write_file(dir.file("R/R_TRAIN.ts"),
             "@problemName R\n@targetLabel true\n@data\n1,2:0.5\n3,4:-2\n5,6:1\n7,8:2\n9,9:3\n1,1:4\n");
  UcrOptions o;
  o.path = dir.file("R");
  o.arrays.test_split = 0.2;
  const auto s = make_ucr_splits(o);
  EXPECT_EQ(s.info.task, Task::Regression);
  EXPECT_EQ(s.info.d_output, 1);
  EXPECT_EQ(s.train->get(0, nullptr).y.sizes(), std::vector<int64_t>{1});
  o.path = dir.file("none");
  EXPECT_NE(error_text([&] { make_ucr_splits(o); }).find("no such file or directory"), std::string::npos);
  fs::create_directories(dir.path() / "Empty");
  o.path = dir.file("Empty");
  EXPECT_NE(error_text([&] { make_ucr_splits(o); }).find("no Empty_TRAIN.ts or Empty_TRAIN.tsv"), std::string::npos);
  write_file(dir.file("R/R_TEST.ts"), "@problemName R\n@classLabel true a\n@data\n1,2:a\n");
  o.path = dir.file("R");
  EXPECT_NE(error_text([&] { make_ucr_splits(o); }).find("one has class labels, the other regression targets"),
            std::string::npos);
}
