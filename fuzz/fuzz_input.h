// Shared by the fuzz targets: inputs made of several files, and a scratch directory to write them to (most readers
// take paths). A reader may reject an input with any std::exception; a crash, a sanitizer report, a leak, a hang or
// another exception type is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace longconv::fuzz {

// Separates the files of a multi-file input (make_seeds joins them with it).
inline constexpr std::string_view kPartSeparator = "\n--longconv-fuzz-part--\n";

// The first `n` parts of `data` (missing ones empty; the last takes the rest).
inline std::vector<std::string> split_parts(const uint8_t* data, size_t size, size_t n) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t begin = 0;
  while (parts.size() + 1 < n) {
    const size_t at = all.find(kPartSeparator, begin);
    if (at == std::string_view::npos) break;
    parts.emplace_back(all.substr(begin, at - begin));
    begin = at + kPartSeparator.size();
  }
  parts.emplace_back(begin <= all.size() ? all.substr(begin) : std::string_view());
  parts.resize(n);
  return parts;
}

inline std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(kPartSeparator) : "") + parts[i];
  return out;
}

// One directory per process under the temp dir, emptied for every input.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto path = std::filesystem::temp_directory_path() / ("longconv-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

inline void clear_scratch() {
  for (const auto& entry : std::filesystem::directory_iterator(scratch_dir())) std::filesystem::remove_all(entry);
}

// Writes `bytes` to scratch_dir()/name (creating parent folders) and returns the path.
inline std::string put_file(const std::string& name, std::string_view bytes) {
  const auto path = scratch_dir() / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

// Runs `read`, accepting any std::exception as the reader's refusal.
template <class F>
void expect_no_crash(F read) {
  try {
    read();
  } catch (const std::exception&) {
  }
}

}  // namespace longconv::fuzz
