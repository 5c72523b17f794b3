#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "datagen/staged_dataset_dir.h"
#include "support/cli.h"
#include "support/helpers.h"

using longconv::data::StagedDatasetDir;
using longconv::test::error_of;
using longconv::test::slurp;
using longconv::test::TempDir;
using longconv::test::write_file;

namespace {

// Writes `files` through a staged directory for `target` and commits.
void generate(const std::string& target, bool replace, const std::vector<std::string>& files) {
  StagedDatasetDir out(target, replace, "train.txt", "data test");
  for (const auto& name : files) write_file((out.path() / name).string(), "new " + name);
  out.commit();
}

std::vector<std::string> entries_of(const std::string& path) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST(StagedDatasetDir, WritesANewOrEmptyDirectoryWhole) {
  TempDir dir;
  generate(dir.file("a/b/new"), false, {"train.txt", "val.txt"});
  EXPECT_EQ(slurp(dir.file("a/b/new/val.txt")), "new val.txt");
  std::filesystem::create_directory(dir.file("empty"));
  generate(dir.file("empty") + "/", false, {"train.txt"});
  EXPECT_EQ(slurp(dir.file("empty/train.txt")), "new train.txt");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"a", "empty"})) << "a staging directory was left behind";
}

// `data speech --out` into an existing set mixed old and new clips; `data listops` replaced the TSVs in place.
TEST(StagedDatasetDir, RefusesAnExistingDatasetUnlessReplacingAndThenSwapsItWhole) {
  TempDir dir;
  generate(dir.file("set"), false, {"train.txt", "old_only.txt"});
  const std::string refused = error_of([&] { generate(dir.file("set"), false, {"train.txt"}); });
  EXPECT_NE(refused.find("data test: --out " + dir.file("set") + " holds a dataset already; pass --replace"),
            std::string::npos)
      << refused;
  EXPECT_TRUE(std::filesystem::exists(dir.file("set/old_only.txt")));

  generate(dir.file("set"), true, {"train.txt", "val.txt"});
  EXPECT_EQ(entries_of(dir.file("set")), (std::vector<std::string>{"train.txt", "val.txt"}));
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"set"}));
}

TEST(StagedDatasetDir, AFailedRunLeavesTheTargetAsItWas) {
  TempDir dir;
  generate(dir.file("set"), false, {"train.txt"});
  EXPECT_THROW(
      {
        StagedDatasetDir out(dir.file("set"), true, "train.txt", "data test");
        write_file((out.path() / "train.txt").string(), "half");
        throw std::runtime_error("generator failed");
      },
      std::runtime_error);
  EXPECT_EQ(slurp(dir.file("set/train.txt")), "new train.txt");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"set"}));
}

TEST(StagedDatasetDir, NeverReplacesSomethingElse) {
  TempDir dir;
  write_file(dir.file("notes.txt"), "keep");
  std::filesystem::create_directory(dir.file("other"));
  write_file(dir.file("other/notes.txt"), "keep");
  EXPECT_NE(error_of([&] {
              generate(dir.file("other"), true, {"train.txt"});
            }).find("non-empty directory without train.txt, so not a dataset of this kind"),
            std::string::npos);
  EXPECT_NE(error_of([&] { generate(dir.file("notes.txt"), true, {"train.txt"}); }).find("is not a directory"),
            std::string::npos);
  EXPECT_EQ(slurp(dir.file("other/notes.txt")), "keep");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"notes.txt", "other"}));
}
