#include "config/schema.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "config/scalar.h"

namespace longconv {

namespace {

// Defaults are stored in the same canonical form as loaded values, so to_yaml() prints them the same way.
YAML::Node int_node(int64_t value) { return YAML::Node(std::to_string(value)); }
YAML::Node float_node(double value) { return YAML::Node(scalar::format_float(value)); }
YAML::Node string_node(const std::string& value) { return YAML::Node(value); }

template <typename T, typename ToNode>
YAML::Node list_node(const std::vector<T>& values, ToNode to_node) {
  YAML::Node list(YAML::NodeType::Sequence);
  list.SetStyle(YAML::EmitterStyle::Flow);
  for (const T& value : values) list.push_back(to_node(value));
  return list;
}

template <typename T, typename ToNode>
KeySpec scalar_spec(ValueType type, const std::optional<T>& def, ToNode to_node, const std::string& help) {
  KeySpec spec;
  spec.type = type;
  spec.nullable = !def.has_value();
  spec.default_value = def ? to_node(*def) : YAML::Node();
  spec.help = help;
  return spec;
}

template <typename T, typename ToNode>
KeySpec list_spec(ValueType type, const std::vector<T>& def, ToNode to_node, const std::string& help) {
  KeySpec spec;
  spec.type = type;
  spec.default_value = list_node(def, to_node);
  spec.help = help;
  return spec;
}

}  // namespace

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::Int:
      return "int";
    case ValueType::Float:
      return "float";
    case ValueType::Bool:
      return "bool";
    case ValueType::String:
      return "string";
    case ValueType::IntList:
      return "list of ints";
    case ValueType::FloatList:
      return "list of floats";
    case ValueType::StringList:
      return "list of strings";
  }
  return "?";
}

KeySpec int_spec(int64_t def) { return scalar_spec(ValueType::Int, std::optional<int64_t>(def), int_node, ""); }
KeySpec float_spec(double def) { return scalar_spec(ValueType::Float, std::optional<double>(def), float_node, ""); }
KeySpec bool_spec(bool def) {
  KeySpec spec;
  spec.type = ValueType::Bool;
  spec.default_value = YAML::Node(def ? "true" : "false");
  return spec;
}
KeySpec string_spec(const std::string& def) {
  return scalar_spec(ValueType::String, std::optional<std::string>(def), string_node, "");
}
KeySpec int_list_spec(const std::vector<int64_t>& def) { return list_spec(ValueType::IntList, def, int_node, ""); }
KeySpec float_list_spec(const std::vector<double>& def) { return list_spec(ValueType::FloatList, def, float_node, ""); }
KeySpec string_list_spec(const std::vector<std::string>& def) {
  return list_spec(ValueType::StringList, def, string_node, "");
}

Schema& Schema::add_int(const std::string& key, std::optional<int64_t> def, const std::string& help) {
  return add(key, scalar_spec(ValueType::Int, def, int_node, help));
}

Schema& Schema::add_float(const std::string& key, std::optional<double> def, const std::string& help) {
  return add(key, scalar_spec(ValueType::Float, def, float_node, help));
}

Schema& Schema::add_bool(const std::string& key, bool def, const std::string& help) {
  KeySpec spec = bool_spec(def);
  spec.help = help;
  return add(key, std::move(spec));
}

Schema& Schema::add_string(const std::string& key, std::optional<std::string> def, const std::string& help,
                           std::vector<std::string> choices) {
  KeySpec spec = scalar_spec(ValueType::String, def, string_node, help);
  spec.choices = std::move(choices);
  return add(key, std::move(spec));
}

Schema& Schema::add_int_list(const std::string& key, std::vector<int64_t> def, const std::string& help) {
  return add(key, list_spec(ValueType::IntList, def, int_node, help));
}

Schema& Schema::add_float_list(const std::string& key, std::vector<double> def, const std::string& help) {
  return add(key, list_spec(ValueType::FloatList, def, float_node, help));
}

Schema& Schema::add_string_list(const std::string& key, std::vector<std::string> def, const std::string& help) {
  return add(key, list_spec(ValueType::StringList, def, string_node, help));
}

Schema& Schema::merge(const std::string& prefix, const Schema& other) {
  const auto full = [&](const std::string& key) { return prefix.empty() ? key : prefix + "." + key; };
  for (const auto& [key, spec] : other.keys_) add(full(key), spec);
  for (const auto& [from, to] : other.renamed_) renamed_[full(from)] = full(to);
  return *this;
}

Schema& Schema::add_renamed(const std::string& old_key, const std::string& new_key) {
  renamed_[old_key] = new_key;
  return *this;
}

const std::string* Schema::renamed_to(const std::string& old_key) const {
  const auto it = renamed_.find(old_key);
  return it == renamed_.end() ? nullptr : &it->second;
}

const KeySpec* Schema::find(const std::string& key) const {
  const auto it = keys_.find(key);
  return it == keys_.end() ? nullptr : &it->second;
}

bool Schema::has_section(const std::string& prefix) const {
  const std::string start = prefix + ".";
  const auto it = keys_.lower_bound(start);
  return it != keys_.end() && it->first.compare(0, start.size(), start) == 0;
}

// Schemas are written by the program, so a malformed one is a bug, not a config error.
Schema& Schema::add(const std::string& key, KeySpec spec) {
  if (!spec.choices.empty() && spec.default_value.IsScalar() &&
      std::find(spec.choices.begin(), spec.choices.end(), spec.default_value.Scalar()) == spec.choices.end())
    throw std::logic_error("schema key '" + key + "': default '" + spec.default_value.Scalar() +
                           "' is not one of its choices");
  if (key.empty() || key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos)
    throw std::logic_error("schema key '" + key + "': empty path segment");
  if (keys_.count(key)) throw std::logic_error("schema key '" + key + "' added twice");
  if (has_section(key)) throw std::logic_error("schema key '" + key + "' is already a section");
  for (size_t dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1))
    if (keys_.count(key.substr(0, dot)))
      throw std::logic_error("schema key '" + key + "': '" + key.substr(0, dot) + "' is already a key");
  keys_.emplace(key, std::move(spec));
  return *this;
}

}  // namespace longconv
