// CSV files as pandas.read_csv reads PTB-XL's: comma-separated, fields optionally in double quotes (which may hold
// commas, newlines and "" for a quote), first row the header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace longconv::data {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as wide as the header
  std::vector<int64_t> lines;                  // line number (1-based) where each row starts, for errors

  // Index of the column named `name`; std::runtime_error naming the file and the column when there is none.
  size_t column(const std::string& name) const;
};

// std::runtime_error naming the file (and line) when it is missing, empty, has an unterminated quote or a row
// whose field count differs from the header's.
CsvTable read_csv(const std::string& path);

}  // namespace longconv::data
