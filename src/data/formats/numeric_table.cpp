#include "data/formats/numeric_table.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "data/formats/data_file.h"
#include "data/formats/text_fields.h"

namespace longconv::data {

std::optional<double> parse_number_field(const std::string& field) {
  if (field.empty() || field == "NaN" || field == "nan" || field == "NA" || field == "?")
    return std::numeric_limits<double>::quiet_NaN();
  const char* begin = field.data() + (field[0] == '+' ? 1 : 0);
  double value = 0;
  const auto [end, error] = std::from_chars(begin, field.data() + field.size(), value);
  if (error != std::errc() || end != field.data() + field.size()) return std::nullopt;
  return value;
}

NumericTable read_numeric_table(const std::string& path, char delimiter) {
  std::istringstream lines(read_data_file(path));
  NumericTable table;
  std::vector<float> values;
  size_t columns = 0;
  int64_t rows = 0;
  std::string line;
  for (int64_t number = 1; std::getline(lines, line); ++number) {
    if (trim_field(line).empty()) continue;
    std::vector<std::string> fields = split_fields(line, delimiter);
    for (auto& f : fields) f = trim_field(f);
    const std::string where = path + ": line " + std::to_string(number) + ": ";
    std::vector<float> row;
    std::string bad;
    for (const auto& field : fields) {
      const std::optional<double> v = parse_number_field(field);
      if (!v && bad.empty()) bad = field;
      row.push_back(v ? static_cast<float>(*v) : 0.0f);
    }
    if (!bad.empty()) {
      if (rows == 0 && table.header.empty() && columns == 0) {
        table.header = fields;
        columns = fields.size();
        continue;
      }
      throw std::runtime_error(where + "'" + bad + "' is not a number");
    }
    if (columns == 0) columns = fields.size();
    if (fields.size() != columns)
      throw std::runtime_error(where + std::to_string(fields.size()) + " fields, but the " +
                               (table.header.empty() ? "first row has " : "header has ") + std::to_string(columns));
    values.insert(values.end(), row.begin(), row.end());
    ++rows;
  }
  if (rows == 0) throw std::runtime_error(path + ": no rows of numbers");
  table.values = torch::tensor(values).reshape({rows, static_cast<int64_t>(columns)});
  return table;
}

}  // namespace longconv::data
