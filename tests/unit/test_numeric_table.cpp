#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "data/formats/numeric_table.h"
#include "support/helpers.h"

using longconv::data::read_numeric_table;
using longconv::test::error_of;
using longconv::test::TempDir;
using longconv::test::write_file;

TEST(NumericTable, ReadsCsvAndTsvWithOrWithoutHeader) {
  TempDir dir;
  write_file(dir.file("a.csv"), "ax,ay\n1,2.5\n-3e2, +4\n\n5,6\n");
  const auto a = read_numeric_table(dir.file("a.csv"), ',');
  EXPECT_EQ(a.header, (std::vector<std::string>{"ax", "ay"}));
  EXPECT_TRUE(a.values.equal(torch::tensor({{1.0f, 2.5f}, {-300.0f, 4.0f}, {5.0f, 6.0f}})));
  write_file(dir.file("b.tsv"), "1\t2\r\n3\t4\r\n");
  const auto b = read_numeric_table(dir.file("b.tsv"), '\t');
  EXPECT_TRUE(b.header.empty());
  EXPECT_TRUE(b.values.equal(torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}})));
}

TEST(NumericTable, MissingValuesAreNan) {
  TempDir dir;
  write_file(dir.file("a.csv"), "1,,NaN\nnan,NA,?\n7,8,9\n");
  const auto t = read_numeric_table(dir.file("a.csv"), ',');
  EXPECT_EQ(t.values.isnan().sum().item<int64_t>(), 5);
  EXPECT_EQ(t.values[2][2].item<float>(), 9.0f);
}

TEST(NumericTable, RejectsBadRows) {
  TempDir dir;
  const auto error = [&](const std::string& text) {
    write_file(dir.file("a.csv"), text);
    return error_of([&] { read_numeric_table(dir.file("a.csv"), ','); });
  };
  EXPECT_NE(error("1,2\n3,x\n").find("a.csv: line 2: 'x' is not a number"), std::string::npos);
  EXPECT_NE(error("a,b\n1,2\nc,d\n").find("line 3: 'c' is not a number"), std::string::npos);
  EXPECT_NE(error("1,2\n3\n").find("line 2: 1 fields, but the first row has 2"), std::string::npos);
  EXPECT_NE(error("a,b\n1,2,3\n").find("line 2: 3 fields, but the header has 2"), std::string::npos);
  EXPECT_NE(error("a,b\n").find("no rows of numbers"), std::string::npos);
  EXPECT_NE(error_of([&] { read_numeric_table(dir.file("none.csv"), ','); }).find("none.csv: no such file"),
            std::string::npos);
}
