// YAML 1.2 core-schema scalars: the strict reading of ints, floats and bools that configs use, and the canonical text
// a value is stored as. yaml-cpp's own as<T>() is laxer (it reads "yes" as true and "1.5" as an int prefix).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace longconv::scalar {

std::optional<int64_t> parse_int(std::string_view text);   // [-+]?[0-9]+, in range
std::optional<double> parse_float(std::string_view text);  // ints, 0.5, .5, 1e-3, .inf, -.inf, .nan
std::optional<bool> parse_bool(std::string_view text);     // true/false, True/False, TRUE/FALSE

// Shortest text that reads back as exactly `value`, always recognisable as a float ("1.0", not "1").
std::string format_float(double value);

}  // namespace longconv::scalar
