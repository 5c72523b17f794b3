// Delimited text of numbers, one row per time step and one column per channel (CSV with ',' or TSV with tab), as a
// spreadsheet or pandas' to_csv writes a time series. A first row that is not all numbers is a header. Empty fields
// and NaN, nan, NA and ? are missing values (NaN).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace longconv::data {

struct NumericTable {
  std::vector<std::string> header;  // empty without a header row
  torch::Tensor values;             // float32 [rows, columns]
};

// std::runtime_error "<path>: line N: ..." for a field that is not a number, a row whose field count differs from
// the first row's, or a file without a data row.
NumericTable read_numeric_table(const std::string& path, char delimiter);

// One field: a number, or NaN for a missing value ("", NaN, nan, NA, ?); nullopt for anything else.
std::optional<double> parse_number_field(const std::string& field);

}  // namespace longconv::data
