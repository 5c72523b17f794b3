#include "train/run_directory.h"

#include <filesystem>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/config_differences.h"
#include "io/atomic_file.h"
#include "util/option_check.h"

namespace longconv::train {
namespace {

namespace fs = std::filesystem;

}  // namespace

void validate(const RunDirectoryOptions& o) {
  check_option_rule(!o.out_dir.empty(), o.out_dir, "RunDirectoryOptions::out_dir", "expected a directory, got ''");
}

RunDirectory::RunDirectory(RunDirectoryOptions options) : options_(std::move(options)) {
  validate(options_);
  fs::create_directories(options_.out_dir);
}

std::string RunDirectory::path(const std::string& file) const { return (fs::path(options_.out_dir) / file).string(); }

void RunDirectory::write_config(const std::string& config_yaml) {
  io::write_file_atomic(path("config.yaml"), config_yaml);
}

void RunDirectory::start(const std::string& config_yaml, bool overwrite) {
  TORCH_CHECK(overwrite || !fs::exists(last_checkpoint()), last_checkpoint(),
              " holds a previous run: continue it with --resume, train into another train.out_dir, or pass "
              "--overwrite to replace it");
  write_config(config_yaml);
  log_ = std::make_unique<MetricsLog>(path("metrics.jsonl"), /*fresh=*/true);
  if (options_.tensorboard) tensorboard_ = std::make_unique<io::TensorboardWriter>(options_.out_dir);
}

CheckpointInfo RunDirectory::resume(const std::string& config_yaml, torch::nn::Module& model,
                                    torch::optim::Optimizer& optimizer, LrSchedule& schedule) {
  TORCH_CHECK(fs::exists(last_checkpoint()), "cannot resume: ", last_checkpoint(), " does not exist");
  CheckpointInfo info = load_checkpoint(last_checkpoint(), model, &optimizer, &schedule, /*restore_rng=*/true);
  for (const auto& change : config_differences(YAML::Load(info.config_yaml), YAML::Load(config_yaml)))
    fmt::print(stderr, "warning: resuming with a changed config: {}\n", change);
  write_config(config_yaml);
  log_ = std::make_unique<MetricsLog>(path("metrics.jsonl"), /*fresh=*/false);
  // A crash between writing last.ckpt and appending its line leaves the line only in the checkpoint.
  if (log_->last_epoch() < info.epoch && !info.metrics_json.empty())
    log_->append(nlohmann::ordered_json::parse(info.metrics_json));
  if (options_.tensorboard) tensorboard_ = std::make_unique<io::TensorboardWriter>(options_.out_dir);
  return info;
}

void RunDirectory::commit_epoch(const std::string& checkpoint, bool best, const nlohmann::ordered_json& record) {
  TORCH_CHECK(log_, "RunDirectory: commit_epoch before start or resume");
  io::write_file_atomic(last_checkpoint(), checkpoint);
  if (best) io::write_file_atomic(best_checkpoint(), checkpoint);
  log_->append(record);
  if (tensorboard_)
    for (const auto& [key, value] : record.items())
      if (value.is_number() && key != "epoch" && key != "step")
        tensorboard_->scalar("epoch/" + key, record.at("step").get<int64_t>(), value.get<double>());
}

}  // namespace longconv::train
