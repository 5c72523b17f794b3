// Run configuration: a YAML file plus "key.sub=value" overrides, validated against a Schema.
//
// The schema may depend on values in the file itself (net.type selects the net's keys, dataset.name the dataset's),
// so loading takes a resolver that builds the schema from the raw, merged tree.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/schema.h"

namespace longconv {

// Every config fault: the message names the file and the key (and the bad value).
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using SchemaResolver = std::function<Schema(const YAML::Node& raw)>;

class Config {
 public:
  Config() = default;
  // Copies share the yaml-cpp tree and set() copies it before writing. Assignment must rebind: yaml-cpp's
  // Node::operator= would write the new tree through every Config sharing the old one.
  Config(const Config&) = default;
  Config& operator=(const Config& other);

  // Reads `path`, applies `overrides` ("a.b=value"; value parsed as a YAML scalar or flow sequence), builds the schema
  // with `resolve(raw tree)`, rejects unknown keys / wrong types / values outside `choices`, fills defaults.
  // Errors: ConfigError "<path>: unknown key 'net.d_modle'", "<path>: key 'train.lr': expected float, got 'abc'",
  // "<path>: cannot parse YAML: ...", "override 'x': expected key=value".
  static Config load(const std::string& path, const std::vector<std::string>& overrides, const SchemaResolver& resolve);
  static Config parse(const std::string& yaml_text, const std::string& origin,
                      const std::vector<std::string>& overrides, const SchemaResolver& resolve);

  // Typed getters: ConfigError naming the key if it is unknown, null (for the non-optional forms) or of another type.
  int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;  // an Int value is accepted
  bool get_bool(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::optional<int64_t> get_opt_int(const std::string& key) const;
  std::optional<double> get_opt_float(const std::string& key) const;
  std::optional<std::string> get_opt_string(const std::string& key) const;
  std::vector<int64_t> get_int_list(const std::string& key) const;
  std::vector<double> get_float_list(const std::string& key) const;
  std::vector<std::string> get_string_list(const std::string& key) const;
  bool is_null(const std::string& key) const;
  bool has(const std::string& key) const;  // key is in the schema

  // Sets a value (validated against the schema like an override). Used to fill data-dependent keys.
  void set(const std::string& key, const YAML::Node& value);
  template <typename T>
  void set_value(const std::string& key, const T& value) {
    set(key, YAML::Node(value));
  }

  // Where the value of `key` came from, to start its error messages: "override 'train.lr=5'" or the file.
  const std::string& source_of(const std::string& key) const;

  std::string to_yaml() const;               // the resolved config, every key present
  void save(const std::string& path) const;  // atomic write of to_yaml()
  const std::string& origin() const { return origin_; }
  const YAML::Node& tree() const { return tree_; }
  const Schema& schema() const { return schema_; }

 private:
  YAML::Node lookup(const std::string& key) const;
  const KeySpec& spec(const std::string& key) const;

  std::string origin_;
  std::map<std::string, std::string> overridden_;  // key -> "override '...'" for keys an override set
  Schema schema_;
  YAML::Node tree_;
};

}  // namespace longconv
