#include <gtest/gtest.h>

#include <fstream>

#include "io/atomic_file.h"
#include "support/temp_dir.h"
#include "train/metrics_log.h"

using namespace longconv;

TEST(MetricsLog, AppendsAndFreshRunsStartEmpty) {
  test::TempDir dir;
  const std::string path = dir.file("metrics.jsonl");
  {
    train::MetricsLog log(path, /*fresh=*/true);
    EXPECT_EQ(log.last_epoch(), -1);
    log.append({{"epoch", 1}, {"val_accuracy", 50.0}});
  }
  {
    train::MetricsLog log(path, /*fresh=*/false);
    log.append({{"epoch", 2}, {"val_accuracy", 60.0}});
    EXPECT_EQ(log.last_epoch(), 2);
  }
  EXPECT_EQ(io::read_file(path), "{\"epoch\":1,\"val_accuracy\":50.0}\n{\"epoch\":2,\"val_accuracy\":60.0}\n");
  train::MetricsLog fresh(path, /*fresh=*/true);
  EXPECT_EQ(io::read_file(path), "");
}

TEST(MetricsLog, ALineCutShortByACrashIsSkippedAndNotExtended) {
  test::TempDir dir;
  const std::string path = dir.file("metrics.jsonl");
  std::ofstream(path) << "{\"epoch\":1}\n{\"epoch\":2,\"val_";
  train::MetricsLog log(path, /*fresh=*/false);
  EXPECT_EQ(log.last_epoch(), 1);
  log.append({{"epoch", 2}});
  EXPECT_EQ(io::read_file(path), "{\"epoch\":1}\n{\"epoch\":2,\"val_\n{\"epoch\":2}\n");
  EXPECT_EQ(log.last_epoch(), 2);
}

TEST(MetricsLog, ReadsTheRecordsInOrderSkippingBrokenLines) {
  test::TempDir dir;
  const std::string path = dir.file("metrics.jsonl");
  std::ofstream(path) << "{\"epoch\":1,\"lr\":0.5}\n[1, 2]\n{\"epoch\":2,\"lr\":0.25}\n{\"epoch\":3,\"l";
  const auto records = train::read_metrics_log(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["epoch"], 1);
  EXPECT_EQ(records[1]["lr"], 0.25);
  EXPECT_THROW(train::read_metrics_log(dir.file("missing.jsonl")), std::runtime_error);
}
