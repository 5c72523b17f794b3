#include "plot/training_curves.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "plot/figure.h"

namespace longconv::plot {
namespace {

double number(const nlohmann::json& record, const std::string& key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_number() ? it->get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::vector<double> column(const std::vector<nlohmann::json>& records, const std::string& key) {
  std::vector<double> values;
  for (const auto& r : records) values.push_back(number(r, key));
  return values;
}

// The metric the trainer logs as val_<metric> next to val_loss; empty when there is none.
std::string metric_name(const std::vector<nlohmann::json>& records) {
  for (const auto& r : records)
    for (const auto& [key, value] : r.items())
      if (key.rfind("val_", 0) == 0 && key != "val_loss" && value.is_number()) return key.substr(4);
  return "";
}

struct TimeAxis {
  std::vector<double> x;
  std::string label;
};

// Cumulative training seconds at the end of each epoch, in s, min or h, whichever reads best.
TimeAxis wall_time(const std::vector<nlohmann::json>& records) {
  TimeAxis t;
  double total = 0;
  for (const auto& r : records) {
    const double s = number(r, "epoch_seconds");
    total += std::isfinite(s) ? s : 0;
    t.x.push_back(std::isfinite(s) ? total : std::numeric_limits<double>::quiet_NaN());
  }
  const double unit = total >= 7200 ? 3600 : total >= 120 ? 60 : 1;
  t.label = unit == 3600 ? "wall time (h)" : unit == 60 ? "wall time (min)" : "wall time (s)";
  for (double& v : t.x) v /= unit;
  return t;
}

}  // namespace

std::vector<std::string> plot_training_curves(const std::vector<nlohmann::json>& records, const std::string& out_dir,
                                              int64_t width, int64_t height) {
  if (records.empty()) throw std::runtime_error("plot: the metrics log holds no records");
  std::filesystem::create_directories(out_dir);
  const std::vector<double> steps = column(records, "step");
  const TimeAxis time = wall_time(records);
  const bool markers = records.size() <= 30;

  struct Quantity {
    std::string name, y_label;
    std::vector<std::string> prefixes;  // series: <prefix><name>
  };
  std::vector<Quantity> quantities{{"loss", "loss", {"train_", "val_", "test_"}}};
  if (const std::string metric = metric_name(records); !metric.empty())
    quantities.push_back({metric, metric, {"train_", "val_", "test_"}});
  quantities.push_back({"lr", "learning rate (epoch's last step)", {""}});

  std::vector<std::string> written;
  for (const auto& q : quantities) {
    std::vector<Series> against_step, against_time;
    for (const auto& prefix : q.prefixes) {
      const std::vector<double> y = column(records, prefix + q.name);
      const std::string label = prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1);
      against_step.push_back({label, steps, y, markers});
      against_time.push_back({label, time.x, y, markers});
    }
    Figure figure(width, height, 2, 1);
    figure.lines({q.name + " against step", "step", q.y_label, against_step});
    figure.lines({q.name + " against wall time", time.label, q.y_label, against_time});
    const std::string path = (std::filesystem::path(out_dir) / (q.name + ".png")).string();
    figure.save(path);
    written.push_back(path);
  }
  return written;
}

}  // namespace longconv::plot
