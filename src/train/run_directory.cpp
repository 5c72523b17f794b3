#include "train/run_directory.h"

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "config/config_differences.h"
#include "io/atomic_file.h"
#include "util/option_check.h"

namespace longconv::train {
namespace {

namespace fs = std::filesystem;

constexpr const char* kManifestFormat = "longconv-run-1";

std::string checkpoint_name(int64_t epoch, int64_t batch) {
  return batch == 0 ? fmt::format("epoch-{:04}.ckpt", epoch)
                    : fmt::format("epoch-{:04}-batch-{:06}.ckpt", epoch, batch);
}

bool is_checkpoint_name(const std::string& name) {
  static const std::regex pattern(R"(epoch-\d{4,}(-batch-\d{6,})?\.ckpt)");
  return std::regex_match(name, pattern);
}

// The writer's pid of io::write_file_atomic's temporaries ("<name>.tmp.<pid>.<n>"), nullopt for other names.
std::optional<pid_t> temp_writer(const std::string& name) {
  static const std::regex pattern(R"(.+\.tmp\.(\d+)\.\d+)");
  std::smatch m;
  if (!std::regex_match(name, m, pattern)) return std::nullopt;
  return static_cast<pid_t>(std::stoll(m[1].str()));
}

bool process_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

nlohmann::json to_json(const RunCheckpoint& c) {
  return {{"file", c.file}, {"epoch", c.epoch}, {"batch", c.batch}, {"best", c.best}};
}

RunCheckpoint checkpoint_from_json(const nlohmann::json& j) {
  RunCheckpoint c;
  c.file = j.at("file").get<std::string>();
  c.epoch = j.at("epoch").get<int64_t>();
  c.batch = j.at("batch").get<int64_t>();
  c.best = j.at("best").get<std::string>();
  TORCH_CHECK(is_checkpoint_name(c.file) && (c.best.empty() || is_checkpoint_name(c.best)),
              "names a file that is not a checkpoint of the run: '", c.file, "'");
  return c;
}

// Replaces `link` by a symbolic link to `target` (a name in the same directory) atomically.
void replace_link(const std::string& target, const fs::path& link) {
  // A name no atomic write uses (they target checkpoints and the manifest), cleaned up as any dead writer's.
  const fs::path temp = link.string() + ".tmp." + std::to_string(::getpid()) + ".0";
  std::error_code ec;
  fs::remove(temp, ec);
  fs::create_symlink(target, temp);
  fs::rename(temp, link);
}

std::string message(const std::exception& e) {
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&e)) return c10_error->what_without_backtrace();
  return e.what();
}

}  // namespace

void validate(const RunDirectoryOptions& o) {
  check_option_rule(!o.out_dir.empty(), o.out_dir, "RunDirectoryOptions::out_dir", "expected a directory, got ''");
}

std::optional<RunManifest> read_run_manifest(const std::string& out_dir) {
  const fs::path path = fs::path(out_dir) / "manifest.json";
  if (!fs::exists(path)) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(io::read_file(path.string()));
    TORCH_CHECK(j.at("format").get<std::string>() == kManifestFormat, "unknown format '", j.at("format"), "'");
    RunManifest m;
    m.last = checkpoint_from_json(j.at("last"));
    if (!j.at("previous").is_null()) m.previous = checkpoint_from_json(j.at("previous"));
    return m;
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": not a valid run manifest: " + message(e));
  }
}

RunDirectory::RunDirectory(RunDirectoryOptions options) : options_(std::move(options)) {
  validate(options_);
  fs::create_directories(options_.out_dir);
  const std::string lock = path(".lock");
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw std::runtime_error(lock + ": cannot open: " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (error != EWOULDBLOCK) throw std::runtime_error(lock + ": cannot lock: " + std::strerror(error));
    std::string holder = io::read_file(lock);
    while (!holder.empty() && std::isspace(static_cast<unsigned char>(holder.back()))) holder.pop_back();
    throw std::runtime_error(fmt::format(
        "train.out_dir {} is in use by another run (pid {}, holding {}); wait for it to end or train into another "
        "train.out_dir",
        options_.out_dir, holder.empty() ? "unknown" : holder, lock));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock_fd_, 0) != 0 ||
      ::pwrite(lock_fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()))
    throw std::runtime_error(lock + ": cannot write the pid: " + std::strerror(errno));
  // An unreadable manifest stops --resume and a fresh start, but not --overwrite.
  try {
    manifest_ = read_run_manifest(options_.out_dir);
  } catch (const std::runtime_error& e) {
    manifest_error_ = e.what();
  }
}

RunDirectory::~RunDirectory() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

std::string RunDirectory::path(const std::string& file) const { return (fs::path(options_.out_dir) / file).string(); }

void RunDirectory::check_fresh(bool overwrite) {
  const bool previous_run = manifest_ || !manifest_error_.empty() || fs::exists(fs::symlink_status(last_checkpoint()));
  TORCH_CHECK(overwrite || !previous_run, options_.out_dir, " holds a previous run (",
              fs::exists(manifest_path()) ? manifest_path() : last_checkpoint(),
              "): continue it with --resume, train into another train.out_dir, or pass --overwrite to replace it");
  fresh_ = true;
}

CheckpointInfo RunDirectory::load_for_resume(const std::string& config_yaml, torch::nn::Module& model,
                                             torch::optim::Optimizer& optimizer, LrSchedule& schedule,
                                             bool from_previous) {
  if (!manifest_error_.empty()) throw std::runtime_error(manifest_error_);
  TORCH_CHECK(manifest_, "cannot resume: ", options_.out_dir, " holds no committed checkpoint (", manifest_path(),
              " and last.ckpt do not exist)");
  // The CRC-checked verification picks the checkpoint before the model is touched.
  try {
    verify_checkpoint(path(manifest_->last.file));
  } catch (const std::exception& e) {
    if (!from_previous || !manifest_->previous)
      throw std::runtime_error(message(e) +
                               (manifest_->previous
                                    ? "; --resume-from-previous falls back to " + path(manifest_->previous->file)
                                    : std::string("; there is no previous checkpoint to fall back to")));
    fmt::print(stderr, "warning: {}; resuming from the previous checkpoint {}\n", message(e),
               path(manifest_->previous->file));
    manifest_->last = *manifest_->previous;
    manifest_->previous.reset();
  }
  const CheckpointInfo info =
      load_checkpoint(path(manifest_->last.file), model, &optimizer, &schedule, /*restore_rng=*/true);
  for (const auto& change : config_differences(YAML::Load(info.config_yaml), YAML::Load(config_yaml)))
    fmt::print(stderr, "warning: resuming with a changed config: {}\n", change);
  fresh_ = false;
  restored_ = info;
  return info;
}

std::string RunDirectory::committed_checkpoint() const {
  TORCH_CHECK(manifest_, "RunDirectory: ", options_.out_dir, " has no committed checkpoint");
  return path(manifest_->last.file);
}

void RunDirectory::remove_stale_files() const {
  std::set<std::string> named;
  if (manifest_)
    for (const RunCheckpoint* c : {&manifest_->last, manifest_->previous ? &*manifest_->previous : nullptr})
      if (c) named.insert({c->file, c->best});
  for (const auto& entry : fs::directory_iterator(options_.out_dir)) {
    const std::string name = entry.path().filename().string();
    const auto writer = temp_writer(name);
    if ((writer && !process_alive(*writer)) || (is_checkpoint_name(name) && !named.count(name)))
      fs::remove(entry.path());
  }
}

void RunDirectory::update_links() const {
  if (!manifest_) return;
  replace_link(manifest_->last.file, last_checkpoint());
  if (manifest_->last.best.empty())
    fs::remove(best_checkpoint());
  else
    replace_link(manifest_->last.best, best_checkpoint());
}

void RunDirectory::begin(const std::string& config_yaml) {
  TORCH_CHECK(!log_, "RunDirectory: begin called twice");
  TORCH_CHECK(fresh_ || restored_, "RunDirectory: begin before check_fresh or load_for_resume");
  if (fresh_) {
    // The manifest goes first: from then on no run is committed here, and the rest are orphans.
    fs::remove(manifest_path());
    manifest_.reset();
    for (const auto& link : {last_checkpoint(), best_checkpoint()}) fs::remove(link);
    // The previous run's TensorBoard curves would show as this run's.
    for (const auto& entry : fs::directory_iterator(options_.out_dir))
      if (entry.path().filename().string().rfind(io::kTensorboardEventPrefix, 0) == 0) fs::remove(entry.path());
  } else {
    // A --resume-from-previous fallback moves the commit point back before anything else changes.
    write_manifest();
  }
  remove_stale_files();
  update_links();
  io::write_file_atomic(path("config.yaml"), config_yaml);

  std::string kept;
  if (restored_) {
    // Lines past the restored epoch belong to a checkpoint given up; a crash between the commit and the append
    // leaves the epoch's line only in its checkpoint.
    std::istringstream in(fs::exists(path("metrics.jsonl")) ? io::read_file(path("metrics.jsonl")) : "");
    int64_t last = 0;
    for (std::string line; std::getline(in, line);) {
      const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (!record.is_object() || !record.contains("epoch") || !record["epoch"].is_number_integer()) continue;
      const int64_t epoch = record["epoch"].get<int64_t>();
      if (epoch != last + 1 || epoch > restored_->epoch) continue;
      kept += line + "\n";
      last = epoch;
    }
    if (last < restored_->epoch && !restored_->metrics_json.empty()) kept += restored_->metrics_json + "\n";
  }
  io::write_file_atomic(path("metrics.jsonl"), kept);
  log_ = std::make_unique<MetricsLog>(path("metrics.jsonl"), /*fresh=*/false);
  if (options_.tensorboard) tensorboard_ = std::make_unique<io::TensorboardWriter>(options_.out_dir);
}

void RunDirectory::write_manifest() const {
  if (!manifest_) return;
  const nlohmann::json j = {{"format", kManifestFormat},
                            {"last", to_json(manifest_->last)},
                            {"previous", manifest_->previous ? to_json(*manifest_->previous) : nlohmann::json()}};
  io::write_file_atomic(manifest_path(), j.dump(2) + "\n");
}

std::string RunDirectory::commit(const std::string& checkpoint, int64_t epoch, int64_t batch, bool best,
                                 const std::optional<nlohmann::ordered_json>& record) {
  TORCH_CHECK(log_, "RunDirectory: commit before begin");
  RunCheckpoint c;
  c.file = checkpoint_name(epoch, batch);
  c.epoch = epoch;
  c.batch = batch;
  c.best = best ? c.file : manifest_ ? manifest_->last.best : "";
  io::write_file_atomic(path(c.file), checkpoint);

  RunManifest next;
  next.last = c;
  if (manifest_ && manifest_->last.file != c.file) next.previous = manifest_->last;
  manifest_ = next;
  write_manifest();  // the commit point

  update_links();
  if (record) {
    log_->append(*record);
    if (tensorboard_)
      for (const auto& [key, value] : record->items())
        if (value.is_number() && key != "epoch" && key != "step")
          tensorboard_->scalar("epoch/" + key, record->at("step").get<int64_t>(), value.get<double>());
  }
  remove_stale_files();
  return path(c.file);
}

}  // namespace longconv::train
