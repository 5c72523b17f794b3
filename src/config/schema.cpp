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

Schema& Schema::add_int(const std::string& key, std::optional<int64_t> def, const std::string& help) {
  return add(key, scalar_spec(ValueType::Int, def, int_node, help));
}

Schema& Schema::add_float(const std::string& key, std::optional<double> def, const std::string& help) {
  return add(key, scalar_spec(ValueType::Float, def, float_node, help));
}

Schema& Schema::add_bool(const std::string& key, bool def, const std::string& help) {
  KeySpec spec;
  spec.type = ValueType::Bool;
  spec.default_value = YAML::Node(def ? "true" : "false");
  spec.help = help;
  return add(key, std::move(spec));
}

Schema& Schema::add_string(const std::string& key, std::optional<std::string> def, const std::string& help,
                           std::vector<std::string> choices) {
  if (def && !choices.empty() && std::find(choices.begin(), choices.end(), *def) == choices.end())
    throw std::logic_error("schema key '" + key + "': default '" + *def + "' is not one of its choices");
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
  for (const auto& [key, spec] : other.keys_) add(prefix.empty() ? key : prefix + "." + key, spec);
  return *this;
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
