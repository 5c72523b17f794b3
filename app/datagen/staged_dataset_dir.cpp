#include "datagen/staged_dataset_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace longconv::data {
namespace {

namespace fs = std::filesystem;

// Absolute and without a trailing slash, so the staging directory is a sibling and "." names the directory itself.
fs::path normalized(const std::string& target) {
  fs::path path = fs::absolute(target).lexically_normal();
  if (!path.has_filename() && path.has_parent_path()) path = path.parent_path();
  return path;
}

}  // namespace

StagedDatasetDir::StagedDatasetDir(const std::string& target, bool replace, const std::string& marker,
                                   const std::string& generator)
    : target_(normalized(target)), generator_(generator) {
  if (target.empty()) throw std::invalid_argument(generator + ": no output directory");
  std::error_code ec;
  const auto status = fs::status(target_, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      throw std::runtime_error(fmt::format("{}: --out {} exists and is not a directory", generator, target));
    if (!fs::is_empty(target_)) {
      if (!fs::exists(target_ / marker))
        throw std::runtime_error(fmt::format(
            "{}: --out {} is a non-empty directory without {}, so not a dataset of this kind; choose a new or empty "
            "directory",
            generator, target, marker));
      if (!replace)
        throw std::runtime_error(fmt::format(
            "{}: --out {} holds a dataset already; pass --replace to replace it (the new one is written beside it "
            "and swapped in when complete)",
            generator, target));
    }
  }
  fs::create_directories(target_.parent_path());
  staging_ = target_.parent_path() / fmt::format(".{}.staging-{}", target_.filename().string(), ::getpid());
  fs::remove_all(staging_);  // left by a killed run that had our pid
  fs::create_directory(staging_);
}

StagedDatasetDir::~StagedDatasetDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void StagedDatasetDir::commit() {
  // rename(2) replaces a missing or empty directory; a dataset there is exchanged with the new one in one step.
  std::error_code ec;
  const bool replacing = fs::exists(target_, ec) && !fs::is_empty(target_, ec);
  const int rc = replacing ? ::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE)
                           : ::rename(staging_.c_str(), target_.c_str());
  if (rc != 0)
    throw std::runtime_error(fmt::format("{}: cannot move the new dataset from {} to {}: {}", generator_,
                                         staging_.string(), target_.string(), std::strerror(errno)));
  committed_ = true;
  if (replacing) fs::remove_all(staging_, ec);  // now the old dataset
}

}  // namespace longconv::data
