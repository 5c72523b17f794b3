// Preemption: SIGTERM, SIGINT and SIGUSR1 (which clusters send before a kill) ask a training run to save a mid-epoch
// checkpoint at the next batch boundary and exit with kPreemptedExitCode; `train --resume` continues from there.
#pragma once

#include <csignal>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace longconv::train {

// EX_TEMPFAIL of sysexits.h: the run is incomplete but resumable (a scheduler may requeue it).
constexpr int kPreemptedExitCode = 75;

// Installs the handlers for its lifetime and restores the previous ones after; a handler only records the signal (a
// second one terminates at once).
class PreemptionGuard {
 public:
  PreemptionGuard();
  ~PreemptionGuard();
  PreemptionGuard(const PreemptionGuard&) = delete;
  PreemptionGuard& operator=(const PreemptionGuard&) = delete;

  // The signal received since construction, 0 if none.
  static int requested();

 private:
  struct sigaction previous_[3];
};

// Thrown by the trainer after it saved the checkpoint of a preempted run.
class Preempted : public std::runtime_error {
 public:
  Preempted(int signal, const std::string& checkpoint);
  int signal() const { return signal_; }

 private:
  int signal_;
};

// train.checkpoint_every: a count of training steps ("500") or minutes with a suffix ("30m"); "0" is off.
struct CheckpointEvery {
  int64_t steps = 0;
  double minutes = 0;
};
// Throws std::invalid_argument naming `text` when it is neither.
CheckpointEvery parse_checkpoint_every(const std::string& text);

}  // namespace longconv::train
