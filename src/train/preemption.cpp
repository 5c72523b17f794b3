#include "train/preemption.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

namespace longconv::train {
namespace {

constexpr int kSignals[3] = {SIGTERM, SIGINT, SIGUSR1};

volatile std::sig_atomic_t g_requested = 0;

// A second signal is not waited for: the default action (termination) follows at once.
extern "C" void record_signal(int signal) {
  if (g_requested != 0) {
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  g_requested = signal;
}

}  // namespace

PreemptionGuard::PreemptionGuard() {
  g_requested = 0;
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = record_signal;
  action.sa_flags = SA_RESTART;  // file writes and waits carry on; the loop checks at the next batch boundary
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &previous_[i]);
}

PreemptionGuard::~PreemptionGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &previous_[i], nullptr);
}

int PreemptionGuard::requested() { return g_requested; }

Preempted::Preempted(int signal, const std::string& checkpoint)
    : std::runtime_error(
          checkpoint.empty()
              ? fmt::format("{} received before the first training step; nothing was saved", strsignal(signal))
              : fmt::format("{} received: saved {}; continue with `longconv train ... --resume`", strsignal(signal),
                            checkpoint)),
      signal_(signal) {}

CheckpointEvery parse_checkpoint_every(const std::string& text) {
  CheckpointEvery every;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string suffix = used ? text.substr(used) : "";
  const bool minutes = suffix == "m" || suffix == "min";
  if (!used || !(suffix.empty() || minutes) || !std::isfinite(value) || value < 0 ||
      (!minutes && value != std::floor(value)))
    throw std::invalid_argument(fmt::format(
        "expected a number of training steps (500) or of minutes with a suffix (30m), or 0 for off; got '{}'", text));
  if (minutes)
    every.minutes = value;
  else
    every.steps = static_cast<int64_t>(value);
  return every;
}

}  // namespace longconv::train
