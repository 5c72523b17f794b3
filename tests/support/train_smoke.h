// Test helper: `longconv train` of a one-layer MultiresNet for two batches on a dataset section, end to end.
#pragma once

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "support/cli.h"

namespace longconv::test {

// `longconv train` on `dataset`, the YAML body of the dataset section (each line indented by two spaces), into the
// run directory dir/smoke_run.
inline CliResult train_smoke(const TempDir& dir, const std::string& dataset) {
  const std::string config = dir.file("smoke.yaml");
  std::ofstream(config) << "seed: 1\nthreads: 1\n"
                           "net:\n  type: MultiresNet\n  d_model: 4\n  n_layers: 1\n"
                           "dataset:\n"
                        << dataset
                        << "train:\n  epochs: 1\n  batch_size: 4\n  max_train_batches: 2\n  max_eval_batches: 1\n"
                           "  out_dir: "
                        << dir.file("smoke_run") << "\n";
  return run_cli(dir, "train " + config + " --overwrite");  // callers may train twice in one dir
}

inline void expect_trains(const TempDir& dir, const std::string& dataset) {
  const CliResult r = train_smoke(dir, dataset);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test accuracy at best validation: "), std::string::npos) << r.out;
}

}  // namespace longconv::test
