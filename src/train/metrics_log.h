// Per-epoch metrics as JSON lines (<out_dir>/metrics.jsonl): one object per line, appended and flushed, so a crash
// loses at most the line being written and never the lines before it.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace longconv::train {

class MetricsLog {
 public:
  // `fresh`: start an empty log (a new run in this directory); otherwise append to what is there.
  MetricsLog(std::string path, bool fresh);

  void append(const nlohmann::ordered_json& record);  // keys stay in the order given

  // Highest "epoch" in the log, -1 if none. Lines that do not parse (an append cut short by a crash) are skipped.
  int64_t last_epoch() const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

// The records of a metrics log, in order. Lines that are not a JSON object (an append cut short by a crash) are
// skipped; an unreadable file throws naming it.
std::vector<nlohmann::json> read_metrics_log(const std::string& path);

}  // namespace longconv::train
