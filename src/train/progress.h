// Training progress on stderr: on a terminal a one-line bar redrawn in place, otherwise a plain line every
// `log_every` batches (logs stay readable when redirected to a file).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace longconv::train {

struct ProgressState {
  int64_t epoch = 0;  // 1-based
  int64_t epochs = 0;
  int64_t batch = 0;  // batches done in this epoch
  int64_t n_batches = 0;
  double loss = 0;     // running mean over the epoch
  std::string metric;  // formatted running metric, e.g. "accuracy 87.12%"
  double lr = 0;
  double samples_per_second = 0;
  double eta_seconds = 0;  // rest of the epoch
};

class Progress {
 public:
  // `interactive`: redraw one line with '\r' (use stderr_is_terminal()), at most 10 times a second.
  Progress(std::FILE* out, bool interactive, int64_t log_every);

  void update(const ProgressState& state);
  // Ends the epoch's line (interactive mode).
  void finish();

  static bool stderr_is_terminal();

 private:
  std::FILE* out_;
  bool interactive_;
  int64_t log_every_;
  bool line_open_ = false;
  std::chrono::steady_clock::time_point last_draw_;
};

// "1h02m", "3m05s", "12s".
std::string format_duration(double seconds);

}  // namespace longconv::train
