#include <gtest/gtest.h>

#include <cstdio>

#include "train/progress.h"

using longconv::train::format_duration;
using longconv::train::Progress;
using longconv::train::ProgressState;

namespace {

std::string contents(std::FILE* f) {
  std::rewind(f);
  std::string out;
  for (int c; (c = std::fgetc(f)) != EOF;) out.push_back(static_cast<char>(c));
  return out;
}

ProgressState state_at(int64_t batch) {
  ProgressState s;
  s.epoch = 1;
  s.epochs = 3;
  s.batch = batch;
  s.n_batches = 5;
  s.metric = "accuracy 50.00%";
  return s;
}

}  // namespace

TEST(Progress, PlainLinesEveryLogEveryBatchesAndAtTheEnd) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  Progress progress(f, /*interactive=*/false, /*log_every=*/2);
  for (int64_t b = 1; b <= 5; ++b) progress.update(state_at(b));
  progress.finish();
  const std::string out = contents(f);
  std::fclose(f);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
  EXPECT_NE(out.find("epoch 1/3 | batch 2/5 |"), std::string::npos) << out;
  EXPECT_NE(out.find("batch 5/5"), std::string::npos) << out;
  EXPECT_EQ(out.find("batch 3/5"), std::string::npos) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
}

TEST(Progress, TerminalRedrawsOneLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  Progress progress(f, /*interactive=*/true, 2);
  progress.update(state_at(1));
  progress.update(state_at(5));
  progress.finish();
  const std::string out = contents(f);
  std::fclose(f);
  EXPECT_EQ(out.rfind('\r', 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("batch 5/5"), std::string::npos) << out;
}

TEST(Progress, FormatsDurations) {
  EXPECT_EQ(format_duration(12.4), "12s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
  EXPECT_EQ(format_duration(-1), "0s");
}
