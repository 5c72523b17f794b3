// Checks of options structs, shared by the code that owns the options (a layer, a reader, the trainer) and the config
// bindings that fill them: a Constraint is defined once, next to the options it constrains; the owner checks it
// with check_option, naming the option field, and the binding shows it in the key's help and re-labels a failure
// with the config key (see config/binding.h).
#pragma once

#include <cmath>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace longconv {

// An allowed range or set of values, with the text that describes it (">= 1", "in (0, 1)"). Ranges hold only for
// finite values.
struct Constraint {
  std::function<bool(double)> holds;
  std::string text;
};

inline Constraint at_least(double min) {
  return {[min](double v) { return std::isfinite(v) && v >= min; }, fmt::format(">= {}", min)};
}
inline Constraint above(double min) {
  return {[min](double v) { return std::isfinite(v) && v > min; }, fmt::format("> {}", min)};
}
inline Constraint in_closed(double lo, double hi) {  // [lo, hi]
  return {[lo, hi](double v) { return v >= lo && v <= hi; }, fmt::format("in [{}, {}]", lo, hi)};
}
inline Constraint in_open(double lo, double hi) {  // (lo, hi)
  return {[lo, hi](double v) { return v > lo && v < hi; }, fmt::format("in ({}, {})", lo, hi)};
}
inline Constraint below(double max) {
  return {[max](double v) { return std::isfinite(v) && v < max; }, fmt::format("< {}", max)};
}
inline Constraint in_half_open(double lo, double hi) {  // [lo, hi)
  return {[lo, hi](double v) { return v >= lo && v < hi; }, fmt::format("in [{}, {})", lo, hi)};
}
inline Constraint one_of(std::vector<double> values) {
  std::string text = "one of";
  for (size_t i = 0; i < values.size(); ++i) text += fmt::format("{}{}", i ? ", " : " ", values[i]);
  return {[values](double v) {
            for (double x : values)
              if (v == x) return true;
            return false;
          },
          text};
}

// An options field that breaks its Constraint (or another rule of its owner). `field` is the address of the value
// checked, so the binding that filled that very object can name the config key; `name` names the option
// ("GaussianMaskOptions::threshold") and `reason` says what is wrong ("expected in (0, 1), got 2").
class OptionError : public std::invalid_argument {
 public:
  OptionError(const void* field, std::string name, std::string reason)
      : std::invalid_argument(name + ": " + reason),
        field_(field),
        name_(std::move(name)),
        reason_(std::move(reason)) {}
  const void* field() const { return field_; }
  const std::string& name() const { return name_; }
  const std::string& reason() const { return reason_; }

 private:
  const void* field_;
  std::string name_, reason_;
};

// Throws OptionError("<name>: expected <c.text>, got <value>") unless `value` (a number, or an optional one that is
// checked when set) satisfies `c`.
template <typename T>
void check_option(const T& value, const Constraint& c, const char* name) {
  if (!c.holds(static_cast<double>(value)))
    throw OptionError(&value, name, fmt::format("expected {}, got {}", c.text, value));
}
template <typename T>
void check_option(const std::optional<T>& value, const Constraint& c, const char* name) {
  if (value && !c.holds(static_cast<double>(*value)))
    throw OptionError(&value, name, fmt::format("expected {}, got {}", c.text, *value));
}

// Throws OptionError(name, reason) unless `ok`: for rules that are not a range (a cross-field rule names the field
// whose key the user should change).
template <typename T>
void check_option_rule(bool ok, const T& field, const char* name, const std::string& reason) {
  if (!ok) throw OptionError(&field, name, reason);
}

}  // namespace longconv
