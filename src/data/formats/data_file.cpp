#include "data/formats/data_file.h"

#include <filesystem>
#include <stdexcept>

#include "io/atomic_file.h"

namespace longconv::data {

std::string read_data_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw std::runtime_error(path + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error(path + ": not a regular file");
  return io::read_file(path);
}

void require_directory(const std::string& dataset, const std::string& dir) {
  if (dir.empty()) throw std::invalid_argument(dataset + ": data_dir is empty");
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw std::runtime_error(dir + ": no such directory (" + dataset + " data_dir)");
}

}  // namespace longconv::data
