#include "data/formats/csv.h"

#include <stdexcept>

#include "io/atomic_file.h"

namespace longconv::data {

size_t CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  throw std::runtime_error(path + ": no column '" + name + "' in the header");
}

CsvTable read_csv(const std::string& path) {
  const std::string text = io::read_file(path);
  CsvTable table;
  table.path = path;
  std::vector<std::vector<std::string>> records;
  std::vector<int64_t> starts;
  std::vector<std::string> record;
  std::string field;
  int64_t line = 1, record_start = 1;
  size_t i = 0;
  const size_t n = text.size();
  bool at_record_start = true;
  while (i < n) {
    if (at_record_start) {
      record_start = line;
      at_record_start = false;
    }
    if (text[i] == '"' && field.empty()) {  // quoted field
      const int64_t quote_line = line;
      ++i;
      for (;;) {
        if (i >= n) throw std::runtime_error(path + ":" + std::to_string(quote_line) + ": unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
        throw std::runtime_error(path + ":" + std::to_string(line) + ": text after a closing quote");
      continue;
    }
    const char c = text[i++];
    if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i < n && text[i] == '\n') ++i;
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      starts.push_back(record_start);
      record.clear();
      ++line;
      at_record_start = true;
    } else {
      field += c;
    }
  }
  if (!at_record_start) {  // last line without a newline
    record.push_back(std::move(field));
    records.push_back(std::move(record));
    starts.push_back(record_start);
  }
  if (records.empty()) throw std::runtime_error(path + ": empty (expected a header row)");
  table.header = std::move(records[0]);
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() == 1 && records[r][0].empty()) continue;  // blank line
    if (records[r].size() != table.header.size())
      throw std::runtime_error(path + ":" + std::to_string(starts[r]) + ": " + std::to_string(records[r].size()) +
                               " fields, the header has " + std::to_string(table.header.size()));
    table.rows.push_back(std::move(records[r]));
    table.lines.push_back(starts[r]);
  }
  return table;
}

}  // namespace longconv::data
