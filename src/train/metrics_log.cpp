#include "train/metrics_log.h"

#include <sstream>
#include <stdexcept>

#include "io/atomic_file.h"

namespace longconv::train {

MetricsLog::MetricsLog(std::string path, bool fresh) : path_(std::move(path)) {
  if (fresh) io::write_file_atomic(path_, std::string_view());
  // A line cut short by a crash must not swallow the next record.
  bool needs_newline = false;
  if (std::ifstream in(path_, std::ios::binary); in && in.seekg(-1, std::ios::end)) needs_newline = in.get() != '\n';
  out_.open(path_, std::ios::app | std::ios::binary);
  if (!out_) throw std::runtime_error(path_ + ": cannot open for appending");
  if (needs_newline) out_ << '\n';
}

void MetricsLog::append(const nlohmann::ordered_json& record) {
  out_ << record.dump() << '\n';
  out_.flush();
  if (!out_) throw std::runtime_error(path_ + ": write failed");
}

int64_t MetricsLog::last_epoch() const {
  int64_t last = -1;
  for (const auto& record : read_metrics_log(path_))
    if (record.contains("epoch") && record["epoch"].is_number_integer())
      last = std::max(last, record["epoch"].get<int64_t>());
  return last;
}

std::vector<nlohmann::json> read_metrics_log(const std::string& path) {
  std::istringstream in(io::read_file(path));
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(in, line);) {
    auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_object()) records.push_back(std::move(record));
  }
  return records;
}

}  // namespace longconv::train
