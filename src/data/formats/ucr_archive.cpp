#include "data/formats/ucr_archive.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "data/formats/data_file.h"
#include "data/formats/numeric_table.h"
#include "data/formats/text_fields.h"

namespace longconv::data {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A case: its dimensions' values, NaN for '?' or "NaN".
using Case = std::vector<std::vector<float>>;

// Packs cases into [cases, dimensions, longest] with NaN padding.
void pack(TimeSeriesTable& t, const std::vector<Case>& cases) {
  const auto n = static_cast<int64_t>(cases.size());
  const auto dims = static_cast<int64_t>(cases[0].size());
  int64_t longest = 0;
  for (const Case& c : cases) {
    int64_t length = 0;
    for (const auto& d : c) length = std::max(length, static_cast<int64_t>(d.size()));
    t.lengths.push_back(length);
    longest = std::max(longest, length);
  }
  t.values = torch::full({n, dims, longest}, std::numeric_limits<float>::quiet_NaN());
  float* out = t.values.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t d = 0; d < dims; ++d) {
      const auto& v = cases[static_cast<size_t>(i)][static_cast<size_t>(d)];
      std::copy(v.begin(), v.end(), out + (i * dims + d) * longest);
    }
}

float value_of(const std::string& field, const std::string& where) {
  const std::string f = trim_field(field);
  if (f.empty()) throw std::runtime_error(where + "empty value");
  const std::optional<double> v = parse_number_field(f);
  if (!v) throw std::runtime_error(where + "'" + f + "' is not a number");
  return static_cast<float>(*v);
}

bool parse_bool(const std::string& value, const std::string& where, const std::string& tag) {
  const std::string v = lower(value);
  if (v == "true") return true;
  if (v == "false") return false;
  throw std::runtime_error(where + tag + " '" + value + "' is not true or false");
}

}  // namespace

TimeSeriesTable read_ts_file(const std::string& path) {
  std::istringstream lines(read_data_file(path));
  TimeSeriesTable t;
  std::optional<int64_t> dimensions;
  bool class_label = false, target_label = false, data = false;
  std::vector<Case> cases;
  std::string line;
  for (int64_t number = 1; std::getline(lines, line); ++number) {
    const std::string where = path + ": line " + std::to_string(number) + ": ";
    line = trim_field(line);
    if (line.empty() || line[0] == '#') continue;
    if (!data) {
      if (line[0] != '@') throw std::runtime_error(where + "expected an @-tag or @data before the data");
      std::istringstream words(line);
      std::string tag, value;
      words >> tag;
      tag = lower(tag);
      std::vector<std::string> values;
      while (words >> value) values.push_back(value);
      const auto single = [&]() -> const std::string& {
        if (values.size() != 1) throw std::runtime_error(where + tag + " takes one value");
        return values[0];
      };
      if (tag == "@data") {
        if (!class_label && !target_label)
          throw std::runtime_error(where + "@data before @classLabel true or @targetLabel true: cases need labels");
        data = true;
      } else if (tag == "@problemname") {
        // a name only
      } else if (tag == "@timestamps") {
        if (parse_bool(single(), where, tag))
          throw std::runtime_error(where + "timestamped series (@timeStamps true) are not supported");
      } else if (tag == "@missing" || tag == "@univariate" || tag == "@equallength") {
        parse_bool(single(), where, tag);  // the data says it; checked for form only
      } else if (tag == "@serieslength" || tag == "@dimensions" || tag == "@dimension") {
        const std::optional<double> v = parse_number_field(single());
        // Bounded so that the cast below is defined ("@dimensions 1e300" was undefined behaviour).
        if (!v || *v < 1 || *v != std::floor(*v) || *v > std::numeric_limits<int32_t>::max())
          throw std::runtime_error(where + tag + " '" + values[0] + "' is not a positive integer below 2^31");
        if (tag != "@serieslength") dimensions = static_cast<int64_t>(*v);
      } else if (tag == "@classlabel") {
        if (values.empty()) throw std::runtime_error(where + "@classLabel needs true or false");
        class_label = parse_bool(values[0], where, tag);
        t.class_labels.assign(values.begin() + 1, values.end());
        if (class_label && t.class_labels.empty()) throw std::runtime_error(where + "@classLabel true lists no labels");
      } else if (tag == "@targetlabel") {
        target_label = parse_bool(single(), where, tag);
      } else {
        throw std::runtime_error(where + "unknown tag '" + tag + "'");
      }
      continue;
    }
    std::vector<std::string> fields = split_fields(line, ':');
    if (fields.size() < 2) throw std::runtime_error(where + "expected dimensions and a label separated by ':'");
    const std::string label = trim_field(fields.back());
    fields.pop_back();
    if (dimensions && static_cast<int64_t>(fields.size()) != *dimensions)
      throw std::runtime_error(where + std::to_string(fields.size()) + " dimensions, @dimensions says " +
                               std::to_string(*dimensions));
    if (!cases.empty() && fields.size() != cases[0].size())
      throw std::runtime_error(
          fmt::format("{}{} dimensions, the first case has {}", where, fields.size(), cases[0].size()));
    Case c;
    for (size_t d = 0; d < fields.size(); ++d) {
      if (fields[d].find('(') != std::string::npos)
        throw std::runtime_error(where + "timestamped values '(t, v)' are not supported");
      std::vector<float> values;
      for (const std::string& v : split_fields(fields[d], ','))
        values.push_back(value_of(v, where + "dimension " + std::to_string(d + 1) + ": "));
      c.push_back(std::move(values));
    }
    if (class_label) {
      if (std::find(t.class_labels.begin(), t.class_labels.end(), label) == t.class_labels.end())
        throw std::runtime_error(where + "label '" + label + "' is not in @classLabel");
      t.labels.push_back(label);
    } else {
      const std::optional<double> target = parse_number_field(label);
      if (!target || !std::isfinite(*target))
        throw std::runtime_error(where + "target '" + label + "' is not a number");
      t.targets.push_back(*target);
    }
    cases.push_back(std::move(c));
  }
  if (!data) throw std::runtime_error(path + ": no @data line");
  if (cases.empty()) throw std::runtime_error(path + ": no cases after @data");
  pack(t, cases);
  return t;
}

TimeSeriesTable read_ucr_tsv(const std::string& path) {
  std::istringstream lines(read_data_file(path));
  TimeSeriesTable t;
  std::vector<Case> cases;
  std::string line;
  for (int64_t number = 1; std::getline(lines, line); ++number) {
    const std::string where = path + ": line " + std::to_string(number) + ": ";
    if (trim_field(line).empty()) continue;
    const std::vector<std::string> fields = split_fields(line, '\t');
    if (fields.size() < 2) throw std::runtime_error(where + "expected a label and values separated by tabs");
    std::vector<float> values;
    for (size_t k = 1; k < fields.size(); ++k) values.push_back(value_of(fields[k], where));
    while (!values.empty() && std::isnan(values.back())) values.pop_back();  // the archive's padding
    if (values.empty()) throw std::runtime_error(where + "no values");
    if (trim_field(fields[0]).empty()) throw std::runtime_error(where + "empty label");
    t.labels.push_back(trim_field(fields[0]));
    cases.push_back({std::move(values)});
  }
  if (cases.empty()) throw std::runtime_error(path + ": no cases");
  pack(t, cases);
  return t;
}

}  // namespace longconv::data
