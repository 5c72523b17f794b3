// Runs the `longconv` binary from tests.
#pragma once

#include <string>

#include "support/temp_dir.h"

namespace longconv::test {

struct CliResult {
  int code = -1;
  std::string out, err;
};

// `longconv <args>` with stdout and stderr captured through files in `dir`.
CliResult run_cli(const TempDir& dir, const std::string& args);

// A shell command line, captured the same way.
CliResult run_shell(const TempDir& dir, const std::string& command);

std::string slurp(const std::string& path);

}  // namespace longconv::test
