// Schema of a config: every accepted key with its type and default. Unknown keys and wrong types are errors.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace longconv {

enum class ValueType { Int, Float, Bool, String, IntList, FloatList, StringList };

struct KeySpec {
  ValueType type = ValueType::Int;
  YAML::Node default_value;          // a null node when the default is null
  bool nullable = false;             // null accepted (the reference's `=None` arguments)
  std::vector<std::string> choices;  // String keys: allowed values (empty: any)
  std::string constraint;            // allowed range, as shown in help (">= 1"); checked by the binding
  std::string help;
};

// "int", "float", "bool", "string", "list of ints", ...
const char* value_type_name(ValueType type);

// Key specs with a default in canonical form (how Config stores and prints values); nullable = false.
KeySpec int_spec(int64_t def);
KeySpec float_spec(double def);
KeySpec bool_spec(bool def);
KeySpec string_spec(const std::string& def);
KeySpec int_list_spec(const std::vector<int64_t>& def);
KeySpec float_list_spec(const std::vector<double>& def);
KeySpec string_list_spec(const std::vector<std::string>& def);

// Keys are dotted paths ("net.d_model"). Builders return *this for chaining.
// A std::nullopt default means the key is nullable and defaults to null.
class Schema {
 public:
  Schema& add_int(const std::string& key, std::optional<int64_t> def, const std::string& help);
  Schema& add_float(const std::string& key, std::optional<double> def, const std::string& help);
  Schema& add_bool(const std::string& key, bool def, const std::string& help);
  Schema& add_string(const std::string& key, std::optional<std::string> def, const std::string& help,
                     std::vector<std::string> choices = {});
  Schema& add_int_list(const std::string& key, std::vector<int64_t> def, const std::string& help);
  Schema& add_float_list(const std::string& key, std::vector<double> def, const std::string& help);
  Schema& add_string_list(const std::string& key, std::vector<std::string> def, const std::string& help);
  // Any key (see the *_spec builders); a String key's default must be one of its choices.
  Schema& add(const std::string& key, KeySpec spec);
  // Adds every key of `other` under `prefix` ("net" + "d_model" -> "net.d_model").
  Schema& merge(const std::string& prefix, const Schema& other);

  // A key that was renamed: using `old_key` is an error that names `new_key` (CHANGELOG.md lists the renames).
  Schema& add_renamed(const std::string& old_key, const std::string& new_key);
  const std::string* renamed_to(const std::string& old_key) const;  // nullptr if `old_key` was not renamed

  const KeySpec* find(const std::string& key) const;  // nullptr if unknown
  bool has_section(const std::string& prefix) const;  // some key starts with "prefix."
  const std::map<std::string, KeySpec>& keys() const { return keys_; }

 private:
  std::map<std::string, KeySpec> keys_;
  std::map<std::string, std::string> renamed_;
};

}  // namespace longconv
