// Splitting delimited text lines into fields, shared by the numeric table and UCR/UEA readers.
#pragma once

#include <string>
#include <vector>

namespace longconv::data {

// `s` without leading and trailing spaces, tabs and carriage returns.
inline std::string trim_field(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r") - begin + 1);
}

// The fields between delimiters, as they are (an empty line is one empty field).
inline std::vector<std::string> split_fields(const std::string& line, char delimiter) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t end = line.find(delimiter, start);
    fields.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return fields;
    start = end + 1;
  }
}

}  // namespace longconv::data
