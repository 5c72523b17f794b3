// TensorBoard event files, as tf.summary and torch.utils.tensorboard write them, so `tensorboard --logdir runs/`
// shows longconv runs beside PyTorch ones. Each record is
//   uint64 length | uint32 masked CRC-32C of those 8 bytes | Event protobuf | uint32 masked CRC-32C of the Event
// (little-endian). The first Event holds file_version "brain.Event:2" (TensorBoard then drops the steps a resumed run
// writes again); the others a Summary with one simple_value scalar or one histogram. Records are appended and
// flushed one by one, so a crash loses at most the record being written.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace longconv::io {

// The name every event file starts with (TensorBoard finds them by it).
constexpr const char* kTensorboardEventPrefix = "events.out.tfevents.";

class TensorboardWriter {
 public:
  // Creates `dir` if needed and a new file events.out.tfevents.<unix seconds>.<host>.<pid>.<n> in it.
  explicit TensorboardWriter(const std::string& dir);

  void scalar(const std::string& tag, int64_t step, double value);  // stored as float32, as TensorBoard does
  // `values` (finite, at least one) in `bins` equal-width buckets from their min to their max.
  void histogram(const std::string& tag, int64_t step, const std::vector<double>& values, int64_t bins = 30);

  const std::string& path() const { return path_; }

 private:
  void write_event(const std::string& event);

  std::string path_;
  std::ofstream out_;
};

}  // namespace longconv::io
