#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "data/datasets/listops.h"
#include "datagen/listops_generator.h"
#include "support/cli.h"
#include "support/train_smoke.h"

using namespace longconv::data;
using longconv::test::run_cli;
using longconv::test::slurp;

namespace {

struct Row {
  std::string source;
  int target;
};

std::vector<Row> read_rows(const std::string& path) {
  std::istringstream in(slurp(path));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "Source\tTarget") << path;
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    rows.push_back({line.substr(0, tab), std::stoi(line.substr(tab + 1))});
  }
  return rows;
}

// Evaluates an expression from its tokens alone; also reports the deepest operator nesting.
int evaluate(const std::vector<std::string>& tokens, int& depth) {
  std::vector<std::pair<std::string, std::vector<int>>> stack;
  int value = -1;
  depth = 0;
  for (const auto& t : tokens) {
    if (t[0] == '[') {
      stack.push_back({t, {}});
      depth = std::max(depth, static_cast<int>(stack.size()));
    } else if (t == "X") {
      EXPECT_FALSE(stack.empty());
      auto [op, args] = stack.back();
      stack.pop_back();
      EXPECT_GE(args.size(), 2u);
      EXPECT_LE(args.size(), 10u);
      std::sort(args.begin(), args.end());
      int v = 0;
      const size_t n = args.size();
      if (op == "[MIN")
        v = args.front();
      else if (op == "[MAX")
        v = args.back();
      else if (op == "[MED")
        v = n % 2 ? args[n / 2] : (args[n / 2 - 1] + args[n / 2]) / 2;
      else if (op == "[SM")
        for (int a : args) v = (v + a) % 10;
      else
        ADD_FAILURE() << "operator " << op;
      if (stack.empty())
        value = v;
      else
        stack.back().second.push_back(v);
    } else {
      EXPECT_TRUE(t.size() == 1 && t[0] >= '0' && t[0] <= '9') << t;
      if (stack.empty()) return t[0] - '0';
      stack.back().second.push_back(t[0] - '0');
    }
  }
  EXPECT_TRUE(stack.empty());
  return value;
}

void check_split(const std::vector<Row>& rows, std::set<std::string>& seen) {
  for (const auto& row : rows) {
    const auto tokens = listops_tokenize(row.source);
    EXPECT_GT(tokens.size(), 500u);
    EXPECT_LT(tokens.size(), 2000u);
    int depth = 0;
    EXPECT_EQ(evaluate(tokens, depth), row.target) << row.source.substr(0, 200);
    EXPECT_LE(depth, 9);  // operators only above max_depth 10
    EXPECT_GE(row.target, 0);
    EXPECT_LE(row.target, 9);
    // LRA's bracket format: every operator opens with "( ", parentheses balance.
    EXPECT_EQ(row.source.compare(0, 2, "( "), 0);
    EXPECT_EQ(std::count(row.source.begin(), row.source.end(), '('),
              std::count(row.source.begin(), row.source.end(), ')'));
    EXPECT_TRUE(seen.insert(row.source).second) << "duplicate";
  }
}

}  // namespace

TEST(ListOpsGenerator, CliWritesDistinctValidExpressionsInLraFormat) {
  longconv::test::TempDir dir;
  const std::string out = dir.file("listops");
  const auto r = run_cli(dir, "data listops --out " + out + " --seed 3 --sizes 24,5,6");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto train = read_rows(out + "/basic_train.tsv"), val = read_rows(out + "/basic_val.tsv"),
             test = read_rows(out + "/basic_test.tsv");
  EXPECT_EQ(train.size(), 24u);
  EXPECT_EQ(val.size(), 5u);
  EXPECT_EQ(test.size(), 6u);
  std::set<std::string> seen, operators;
  for (const auto* split : {&train, &val, &test}) check_split(*split, seen);
  for (const auto& row : train)
    for (const auto& t : listops_tokenize(row.source))
      if (t[0] == '[') operators.insert(t);
  EXPECT_EQ(operators, (std::set<std::string>{"[MAX", "[MED", "[MIN", "[SM"}));

  // The reader takes them: 3 specials + 4 operators + 10 digits + X.
  ListOpsOptions o;
  o.data_dir = out;
  EXPECT_EQ(make_listops_splits(o).info.n_tokens, 18);

  // Same seed, same files; another seed, other expressions.
  ASSERT_EQ(run_cli(dir, "data listops --out " + dir.file("again") + " --seed 3 --sizes 24,5,6").code, 0);
  EXPECT_EQ(slurp(out + "/basic_test.tsv"), slurp(dir.file("again") + "/basic_test.tsv"));
  ASSERT_EQ(run_cli(dir, "data listops --out " + dir.file("other") + " --seed 4 --sizes 24,5,6").code, 0);
  EXPECT_NE(slurp(out + "/basic_train.tsv"), slurp(dir.file("other") + "/basic_train.tsv"));
}

TEST(ListOpsGenerator, MedianTruncatesAndDuplicatesAreDropped) {
  // Small trees make duplicates and even-length medians common.
  ListOpsGeneratorOptions o;
  o.seed = 1;
  o.n_train = 300;
  o.n_val = o.n_test = 0;
  o.min_length = 2;
  o.max_length = 6;
  const auto examples = generate_listops(o);
  ASSERT_EQ(examples.size(), 300u);
  std::set<std::string> seen;
  bool even_median = false;
  for (const auto& e : examples) {
    EXPECT_TRUE(seen.insert(e.source).second) << e.source;
    int depth = 0;
    const auto tokens = listops_tokenize(e.source);
    EXPECT_EQ(evaluate(tokens, depth), e.target) << e.source;
    even_median = even_median || (tokens.size() == 4 && tokens[0] == "[MED");
  }
  EXPECT_TRUE(even_median);
}

TEST(ListOpsGenerator, BadSizesAreUsageErrors) {
  longconv::test::TempDir dir;
  EXPECT_EQ(run_cli(dir, "data listops --out " + dir.file("x") + " --sizes 1,2").code, 2);
  EXPECT_EQ(run_cli(dir, "data listops --out " + dir.file("x") + " --sizes 1,-2,3").code, 2);
  EXPECT_EQ(run_cli(dir, "data listops --sizes 1,2,3").code, 2);
}

TEST(ListOpsGenerator, GeneratedFilesTrainEndToEnd) {
  longconv::test::TempDir dir;
  ASSERT_EQ(run_cli(dir, "data listops --out " + dir.file("listops") + " --sizes 8,4,4").code, 0);
  longconv::test::expect_trains(dir, "  name: listops\n  data_dir: " + dir.file("listops") + "\n");
}

// --sizes 0,0,0 wrote a set the reader refuses; 1000000000000,1,1 ended in std::bad_alloc.
TEST(ListOpsGenerator, EmptyOrHugeSizesAreNamedErrors) {
  longconv::test::TempDir dir;
  auto r = run_cli(dir, "data listops --out " + dir.file("x") + " --sizes 0,0,0");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("every split needs an example"), std::string::npos) << r.err;
  r = run_cli(dir, "data listops --out " + dir.file("x") + " --sizes 1000000000000,1,1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("at most 1000000 expressions in all"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("x"))) << "nothing is written for refused sizes";
}

// `data listops --out` replaced an existing set's TSVs in place.
TEST(ListOpsGenerator, AnExistingSetIsReplacedOnlyWithReplace) {
  longconv::test::TempDir dir;
  const std::string out = dir.file("listops");
  ASSERT_EQ(run_cli(dir, "data listops --out " + out + " --seed 1 --sizes 3,1,1").code, 0);
  const std::string before = slurp(out + "/basic_train.tsv");
  auto r = run_cli(dir, "data listops --out " + out + " --seed 2 --sizes 3,1,1");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("holds a dataset already; pass --replace"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(out + "/basic_train.tsv"), before);
  r = run_cli(dir, "data listops --out " + out + " --seed 2 --sizes 3,1,1 --replace");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(slurp(out + "/basic_train.tsv"), before);
  for (const auto& name : dir.entries()) EXPECT_NE(name[0], '.') << "staging directory " << name << " left behind";
}
