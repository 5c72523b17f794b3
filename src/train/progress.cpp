#include "train/progress.h"

#include <cmath>

#include <fmt/format.h>
#include <unistd.h>

namespace longconv::train {

Progress::Progress(std::FILE* out, bool interactive, int64_t log_every)
    : out_(out), interactive_(interactive), log_every_(std::max<int64_t>(1, log_every)) {}

bool Progress::stderr_is_terminal() { return isatty(STDERR_FILENO) != 0; }

void Progress::update(const ProgressState& s) {
  const bool last = s.batch == s.n_batches;
  const auto now = std::chrono::steady_clock::now();
  if (interactive_ && !last && line_open_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  if (!interactive_ && s.batch % log_every_ != 0 && !last) return;
  last_draw_ = now;
  const std::string line = fmt::format(
      "epoch {}/{} | batch {}/{} | loss {:.4f} | {} | lr {:.3g} | {:.0f} samples/s | ETA {}", s.epoch, s.epochs,
      s.batch, s.n_batches, s.loss, s.metric, s.lr, s.samples_per_second, format_duration(s.eta_seconds));
  if (interactive_) {
    // \033[K clears what a longer previous line left behind.
    fmt::print(out_, "\r{}\033[K", line);
    line_open_ = true;
  } else {
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
}

void Progress::finish() {
  if (line_open_) fmt::print(out_, "\n");
  line_open_ = false;
  std::fflush(out_);
}

std::string format_duration(double seconds) {
  const auto total = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  const int64_t h = total / 3600, m = total % 3600 / 60, s = total % 60;
  if (h > 0) return fmt::format("{}h{:02d}m", h, m);
  if (m > 0) return fmt::format("{}m{:02d}s", m, s);
  return fmt::format("{}s", s);
}

}  // namespace longconv::train
