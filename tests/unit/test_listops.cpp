#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "data/datasets/listops.h"
#include "support/listops_writer.h"
#include "support/temp_dir.h"

using namespace longconv::data;
using longconv::test::write_file;

namespace {

ListOpsOptions options(const longconv::test::TempDir& dir, int64_t l_max = 16) {
  ListOpsOptions o;
  o.data_dir = dir.path().string();
  o.l_max = l_max;
  return o;
}

std::vector<int64_t> ids(const torch::Tensor& x) {
  const torch::Tensor c = x.to(torch::kInt64).contiguous().view(-1);
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

void expect_error(const ListOpsOptions& o, const std::vector<std::string>& parts) {
  try {
    make_listops_splits(o);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(ListOps, TokenizerMatchesLra) {
  EXPECT_EQ(listops_tokenize("( ( ( [MAX 2 ) 9 ) ] )"), (std::vector<std::string>{"[MAX", "2", "9", "X"}));
  EXPECT_EQ(listops_tokenize("([SM  3)\t]"), (std::vector<std::string>{"[SM", "3", "X"}));
  EXPECT_TRUE(listops_tokenize("( ) ( )").empty());
}

TEST(ListOps, VocabularyIdsRightPaddingAndLengths) {
  longconv::test::TempDir dir;
  longconv::test::write_listops_splits(dir.path().string());
  const Splits s = make_listops_splits(options(dir));
  // Counts in train: 2 3, X 3, [MAX 2, then 0 4 7 9 [MIN once each -> ids from 3, ties by bytes.
  const std::map<std::string, int64_t> id = {{"2", 3}, {"X", 4}, {"[MAX", 5}, {"0", 6},
                                             {"4", 7}, {"7", 8}, {"9", 9},    {"[MIN", 10}};
  EXPECT_EQ(s.info.n_tokens, 11);
  EXPECT_EQ(s.info.d_output, 10);
  EXPECT_EQ(s.info.max_length, 16);
  EXPECT_EQ(s.train->size(), 3);
  EXPECT_EQ(s.val->size(), 1);
  EXPECT_EQ(s.test->size(), 2);
  const Example e = s.train->get(0, nullptr);
  EXPECT_EQ(e.x.scalar_type(), torch::kInt64);
  EXPECT_EQ(ids(e.x), (std::vector<int64_t>{id.at("[MAX"), id.at("2"), id.at("9"), id.at("X"), 2, 0, 0, 0, 0, 0, 0, 0,
                                            0, 0, 0, 0}));
  EXPECT_EQ(e.length, 5);
  EXPECT_EQ(e.y.item<int64_t>(), 9);
  EXPECT_EQ(s.train->get(1, nullptr).y.item<int64_t>(), 2);  // the \r\n line
  // Tokens unseen in training are <unk>.
  EXPECT_EQ(ids(s.val->get(0, nullptr).x)[0], 1);
  const Batch b = s.test->collate({s.test->get(0, nullptr), s.test->get(1, nullptr)});
  EXPECT_EQ(ids(b.lengths), (std::vector<int64_t>{5, 4}));
}

TEST(ListOps, LeftPaddingAndTruncation) {
  longconv::test::TempDir dir;
  longconv::test::write_listops_splits(dir.path().string());
  ListOpsOptions o = options(dir, 6);
  o.padding = ListOpsPadding::Left;
  const Splits s = make_listops_splits(o);
  EXPECT_EQ(s.info.n_tokens, 0);  // CCNN feeds the ids as one float channel
  const Example e = s.test->get(1, nullptr);
  EXPECT_EQ(e.x.sizes(), (std::vector<int64_t>{1, 6}));
  EXPECT_EQ(e.x.scalar_type(), torch::kFloat32);
  // The vocabulary comes from the truncated training tokens (as S4's loader): 2 thrice, [MAX twice, then 0 7 9 X [MIN.
  EXPECT_EQ(ids(e.x), (std::vector<int64_t>{0, 0, 9, 1, 8, 2}));  // [MIN, <unk> (3 is not in train), X, <eos>
  EXPECT_EQ(e.length, -1);
  EXPECT_EQ(ids(s.train->get(0, nullptr).x), (std::vector<int64_t>{0, 4, 3, 7, 8, 2}));
  // Eight tokens + <eos> do not fit in l_max 6: the source is cut to 5 tokens and <eos> kept.
  EXPECT_EQ(ids(s.train->get(1, nullptr).x), (std::vector<int64_t>{9, 3, 4, 3, 5, 2}));
}

TEST(ListOps, MalformedFilesNameFileAndLine) {
  longconv::test::TempDir dir;
  longconv::test::write_listops_splits(dir.path().string());
  const ListOpsOptions o = options(dir);
  write_file(dir.file("basic_val.tsv"), "Source\tTarget\n( ( [MIN 3 ) ] )\t3\n( ( [MIN 3 ) ] )\n");
  expect_error(o, {"basic_val.tsv", "line 3", "two tab-separated fields"});
  write_file(dir.file("basic_val.tsv"), "Source\tTarget\n( ( [MIN 3 ) ] )\t12\n");
  expect_error(o, {"basic_val.tsv", "line 2", "target '12'"});
  write_file(dir.file("basic_val.tsv"), "Source\tTarget\n( ( [MIN 3 ) ] )\tx\n");
  expect_error(o, {"basic_val.tsv", "target 'x'"});
  write_file(dir.file("basic_val.tsv"), "Input\tOutput\n1\t1\n");
  expect_error(o, {"basic_val.tsv", "line 1", "header"});
  write_file(dir.file("basic_val.tsv"), "");
  expect_error(o, {"basic_val.tsv", "empty file"});
  write_file(dir.file("basic_val.tsv"), "Source\tTarget\n");
  expect_error(o, {"basic_val.tsv", "no examples"});
  write_file(dir.file("basic_val.tsv"), std::string("Source\tTarget\n( ( [MIN 3 ) ] )\t3\n").substr(0, 20));
  expect_error(o, {"basic_val.tsv", "line 2"});
  std::filesystem::remove(dir.file("basic_val.tsv"));
  expect_error(o, {"basic_val.tsv", "no such file"});
}
