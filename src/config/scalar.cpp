#include "config/scalar.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <regex>

namespace longconv::scalar {

namespace {

// from_chars rejects a leading '+', which YAML allows.
std::string_view skip_plus(std::string_view text) { return !text.empty() && text[0] == '+' ? text.substr(1) : text; }

bool any_of(std::string_view text, std::initializer_list<std::string_view> options) {
  for (std::string_view option : options)
    if (text == option) return true;
  return false;
}

}  // namespace

std::optional<int64_t> parse_int(std::string_view text) {
  static const std::regex pattern("[-+]?[0-9]+");
  if (!std::regex_match(text.begin(), text.end(), pattern)) return std::nullopt;
  text = skip_plus(text);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_float(std::string_view text) {
  if (any_of(text, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) return std::numeric_limits<double>::infinity();
  if (any_of(text, {"-.inf", "-.Inf", "-.INF"})) return -std::numeric_limits<double>::infinity();
  if (any_of(text, {".nan", ".NaN", ".NAN"})) return std::numeric_limits<double>::quiet_NaN();
  // Without this check from_chars would also take "inf", "nan" and hex floats.
  static const std::regex pattern(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (!std::regex_match(text.begin(), text.end(), pattern)) return std::nullopt;
  text = skip_plus(text);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (any_of(text, {"true", "True", "TRUE"})) return true;
  if (any_of(text, {"false", "False", "FALSE"})) return false;
  return std::nullopt;
}

std::string format_float(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  std::array<char, 32> buf{};
  char* end = std::to_chars(buf.data(), buf.data() + buf.size(), value).ptr;  // shortest round trip
  std::string text(buf.data(), end);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

}  // namespace longconv::scalar
