// The output directory of a dataset generator, written whole or not at all. The generator writes into a staging
// directory beside the target; commit() puts it in place with one rename, or, when replacing a dataset, one atomic
// exchange with the old directory (renameat2 RENAME_EXCHANGE), which is then removed. A failed or interrupted run
// leaves the target as it was, so an old dataset's clips or splits are never mixed with new ones.
#pragma once

#include <filesystem>
#include <string>

namespace longconv::data {

class StagedDatasetDir {
 public:
  // `target` may be missing or an empty directory. A non-empty one is refused (std::runtime_error naming it and
  // `generator`, e.g. "data listops") unless `replace` is set and it holds `marker`, a file every dataset of this
  // kind has (basic_train.tsv, validation_list.txt): replacing never deletes a directory of something else.
  StagedDatasetDir(const std::string& target, bool replace, const std::string& marker, const std::string& generator);
  ~StagedDatasetDir();  // removes the staging directory unless committed
  StagedDatasetDir(const StagedDatasetDir&) = delete;
  StagedDatasetDir& operator=(const StagedDatasetDir&) = delete;

  const std::filesystem::path& path() const { return staging_; }  // where the generator writes
  void commit();

 private:
  std::filesystem::path target_, staging_;
  std::string generator_;
  bool committed_ = false;
};

}  // namespace longconv::data
