// Config bindings: each config key is written once, in a binding that declares its name, type, default, allowed
// values and help and names the options field it fills:
//
//   Bindings<GaussianMaskOptions>()
//       .bind("threshold", &GaussianMaskOptions::threshold, "crop the kernel where the mask is below this",
//             kMaskThreshold)
//       .bind("learn_mean", &GaussianMaskOptions::learn_mean, "learn the mask centre too");
//
// From that one list come the schema (declare: unknown keys and wrong types are errors, `longconv keys` prints the
// help), the typed options (parse: enums become enum values here, constraints are checked, errors name the key and
// where its value came from) and nothing else. Defaults are the options struct's own (or those of the prototype the
// Bindings are built with). The owner of the options checks them with option names (util/option_check.h);
// `validate` runs that check after parsing and re-labels its OptionError with the config key of the field.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "config/config.h"
#include "util/enum_names.h"
#include "util/option_check.h"

namespace longconv {

namespace binding_detail {

// "prefix.key", or "key" at the top level.
inline std::string join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

// How a field type is declared in the schema and read back from a config.
template <typename T, typename = void>
struct Value;

template <typename T>
struct Value<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static KeySpec spec(const T& def) { return int_spec(static_cast<int64_t>(def)); }
  static T read(const Config& c, const std::string& key) { return static_cast<T>(c.get_int(key)); }
};
template <>
struct Value<double> {
  static KeySpec spec(double def) { return float_spec(def); }
  static double read(const Config& c, const std::string& key) { return c.get_float(key); }
};
template <>
struct Value<bool> {
  static KeySpec spec(bool def) { return bool_spec(def); }
  static bool read(const Config& c, const std::string& key) { return c.get_bool(key); }
};
template <>
struct Value<std::string> {
  static KeySpec spec(const std::string& def) { return string_spec(def); }
  static std::string read(const Config& c, const std::string& key) { return c.get_string(key); }
};
template <>
struct Value<std::vector<int64_t>> {
  static KeySpec spec(const std::vector<int64_t>& def) { return int_list_spec(def); }
  static std::vector<int64_t> read(const Config& c, const std::string& key) { return c.get_int_list(key); }
};
template <>
struct Value<std::vector<double>> {
  static KeySpec spec(const std::vector<double>& def) { return float_list_spec(def); }
  static std::vector<double> read(const Config& c, const std::string& key) { return c.get_float_list(key); }
};
template <>
struct Value<std::vector<std::string>> {
  static KeySpec spec(const std::vector<std::string>& def) { return string_list_spec(def); }
  static std::vector<std::string> read(const Config& c, const std::string& key) { return c.get_string_list(key); }
};
// std::optional fields are nullable keys (the reference's `=None` arguments).
template <typename T>
struct Value<std::optional<T>> {
  static KeySpec spec(const std::optional<T>& def) {
    KeySpec s = Value<T>::spec(def.value_or(T{}));
    s.nullable = true;
    if (!def) s.default_value = YAML::Node();
    return s;
  }
  static std::optional<T> read(const Config& c, const std::string& key) {
    if (c.is_null(key)) return std::nullopt;
    return Value<T>::read(c, key);
  }
};

template <typename T>
double number(const T& value) {
  return static_cast<double>(value);
}
template <typename T>
std::optional<double> number(const std::optional<T>& value) {
  return value ? std::optional<double>(static_cast<double>(*value)) : std::nullopt;
}
inline std::optional<double> as_optional(double v) { return v; }
inline std::optional<double> as_optional(std::optional<double> v) { return v; }

}  // namespace binding_detail

template <typename Opts>
class Bindings {
 public:
  explicit Bindings(Opts defaults = Opts()) : defaults_(std::move(defaults)) {}

  // A TORCH_ARG field (&Opts::name), optionally with a constraint on its value (numbers, or optional numbers).
  template <typename T>
  Bindings& bind(const std::string& key, T& (Opts::*field)(), std::string help,
                 std::optional<Constraint> constraint = std::nullopt) {
    return add<T>(
        key, [field](Opts& o) -> T& { return (o.*field)(); }, std::move(help), std::move(constraint));
  }
  // A plain data member (&Opts::name).
  template <typename T>
  Bindings& bind(const std::string& key, T Opts::*member, std::string help,
                 std::optional<Constraint> constraint = std::nullopt) {
    return add<T>(
        key, [member](Opts& o) -> T& { return o.*member; }, std::move(help), std::move(constraint));
  }
  // A field the dataset fills (training sets the key before parsing, config/binding's caller: NetType::
  // fill_from_data): the key defaults to null, and parsing a null says so.
  template <typename T>
  Bindings& bind_from_data(const std::string& key, T& (Opts::*field)(), std::string help) {
    return add_from_data<T>(
        key, [field](Opts& o) -> T& { return (o.*field)(); }, std::move(help));
  }

  // An enum field: the key takes the names, parsed here into the enum.
  template <typename E>
  Bindings& bind(const std::string& key, E& (Opts::*field)(), const EnumNames<E>& names, std::string help) {
    return add_enum<E>(
        key, [field](Opts& o) -> E& { return (o.*field)(); }, names, std::move(help));
  }
  template <typename E>
  Bindings& bind(const std::string& key, E Opts::*member, const EnumNames<E>& names, std::string help) {
    return add_enum<E>(
        key, [member](Opts& o) -> E& { return o.*member; }, names, std::move(help));
  }

  // The keys of another options struct held in a field, at the same level (their keys are written in full, e.g.
  // "kernel.no_hidden").
  template <typename Sub>
  Bindings& nest(Sub& (Opts::*field)(), const Bindings<Sub>& sub) {
    return add_nested<Sub>([field](Opts& o) -> Sub& { return (o.*field)(); }, sub);
  }
  template <typename Sub>
  Bindings& nest(Sub Opts::*member, const Bindings<Sub>& sub) {
    return add_nested<Sub>([member](Opts& o) -> Sub& { return o.*member; }, sub);
  }

  // The owner's check of the whole options, run after parsing (OptionErrors re-labelled with the key).
  Bindings& validate(std::function<void(const Opts&)> check) {
    validators_.push_back([check = std::move(check)](Opts& o) { check(o); });
    return *this;
  }

  // Adds every key under `prefix` ("" for the top level) with its type, default, choices, constraint and help.
  void declare(Schema& schema, const std::string& prefix = "") const {
    Opts defaults = defaults_;
    for (const Entry& e : entries_) e.declare(schema, prefix, defaults);
  }

  // The options from the keys under `prefix`, starting from `into` (default: the prototype's values).
  Opts parse(const Config& config, const std::string& prefix = "") const { return parse(config, prefix, defaults_); }
  Opts parse(const Config& config, const std::string& prefix, Opts into) const {
    for (const Entry& e : entries_) e.read(config, prefix, into);
    try {
      for (const auto& check : validators_) check(into);
    } catch (const OptionError& error) {
      for (const Entry& e : entries_) {
        if (e.address(into) != error.field()) continue;
        const std::string key = binding_detail::join(prefix, e.key);
        throw ConfigError(fmt::format("{}: key '{}': {}", config.source_of(key), key, error.reason()));
      }
      throw ConfigError(fmt::format("{}: {}", config.origin(), error.what()));
    }
    return into;
  }

  const Opts& defaults() const { return defaults_; }

 private:
  template <typename>
  friend class Bindings;

  struct Entry {
    std::string key;  // relative to the prefix
    std::function<void(Schema&, const std::string& prefix, Opts& defaults)> declare;
    std::function<void(const Config&, const std::string& prefix, Opts&)> read;
    std::function<const void*(Opts&)> address;  // the field it fills, to re-label the owner's OptionErrors
  };

  template <typename T>
  Bindings& add(const std::string& key, std::function<T&(Opts&)> ref, std::string help,
                std::optional<Constraint> constraint) {
    using V = binding_detail::Value<T>;
    Entry e;
    e.key = key;
    e.declare = [key, ref, help, constraint](Schema& s, const std::string& prefix, Opts& defaults) {
      KeySpec spec = V::spec(ref(defaults));
      spec.help = help;
      if (constraint) spec.constraint = constraint->text;
      s.add(binding_detail::join(prefix, key), std::move(spec));
    };
    e.read = [key, ref, constraint](const Config& c, const std::string& prefix, Opts& o) {
      const std::string full = binding_detail::join(prefix, key);
      T value = V::read(c, full);
      if constexpr (std::is_arithmetic_v<T> || std::is_arithmetic_v<typename OptionalValue<T>::type>) {
        const std::optional<double> x = binding_detail::as_optional(binding_detail::number(value));
        if (constraint && x && !constraint->holds(*x))
          throw ConfigError(fmt::format("{}: key '{}': expected {}, got {}", c.source_of(full), full, constraint->text,
                                        format_number(value)));
      }
      ref(o) = std::move(value);
    };
    e.address = [ref](Opts& o) -> const void* { return &ref(o); };
    entries_.push_back(std::move(e));
    return *this;
  }

  template <typename T>
  Bindings& add_from_data(const std::string& key, std::function<T&(Opts&)> ref, std::string help) {
    using V = binding_detail::Value<std::optional<T>>;
    Entry e;
    e.key = key;
    e.declare = [key, help](Schema& s, const std::string& prefix, Opts&) {
      KeySpec spec = V::spec(std::nullopt);
      spec.help = help + " (filled from the dataset)";
      s.add(binding_detail::join(prefix, key), std::move(spec));
    };
    e.read = [key, ref](const Config& c, const std::string& prefix, Opts& o) {
      const std::string full = binding_detail::join(prefix, key);
      const std::optional<T> value = V::read(c, full);
      if (!value)
        throw ConfigError(
            fmt::format("{}: key '{}' is null (training fills it from the dataset; set it to run without one)",
                        c.source_of(full), full));
      ref(o) = *value;
    };
    e.address = [ref](Opts& o) -> const void* { return &ref(o); };
    entries_.push_back(std::move(e));
    return *this;
  }

  template <typename E>
  Bindings& add_enum(const std::string& key, std::function<E&(Opts&)> ref, const EnumNames<E>& names,
                     std::string help) {
    Entry e;
    e.key = key;
    e.declare = [key, ref, names, help](Schema& s, const std::string& prefix, Opts& defaults) {
      KeySpec spec = string_spec(enum_name(names, ref(defaults)));
      spec.choices = enum_choices(names);
      spec.help = help;
      s.add(binding_detail::join(prefix, key), std::move(spec));
    };
    e.read = [key, ref, names](const Config& c, const std::string& prefix, Opts& o) {
      // The schema has checked the choices.
      ref(o) = *parse_enum(names, c.get_string(binding_detail::join(prefix, key)));
    };
    e.address = [ref](Opts& o) -> const void* { return &ref(o); };
    entries_.push_back(std::move(e));
    return *this;
  }

  template <typename Sub>
  Bindings& add_nested(std::function<Sub&(Opts&)> ref, const Bindings<Sub>& sub) {
    for (const auto& s : sub.entries_) {
      Entry e;
      e.key = s.key;
      e.declare = [s, ref](Schema& schema, const std::string& prefix, Opts& defaults) {
        s.declare(schema, prefix, ref(defaults));
      };
      e.read = [s, ref](const Config& c, const std::string& prefix, Opts& o) { s.read(c, prefix, ref(o)); };
      e.address = [s, ref](Opts& o) { return s.address(ref(o)); };
      entries_.push_back(std::move(e));
    }
    for (const auto& check : sub.validators_) validators_.push_back([check, ref](Opts& o) { check(ref(o)); });
    return *this;
  }

  template <typename T>
  struct OptionalValue {
    using type = T;
  };
  template <typename T>
  struct OptionalValue<std::optional<T>> {
    using type = T;
  };
  template <typename T>
  static std::string format_number(const T& v) {
    return fmt::format("{}", v);
  }
  template <typename T>
  static std::string format_number(const std::optional<T>& v) {
    return v ? fmt::format("{}", *v) : "null";
  }

  Opts defaults_;
  std::vector<Entry> entries_;
  std::vector<std::function<void(Opts&)>> validators_;  // run on the object parse filled, so addresses match
};

}  // namespace longconv
