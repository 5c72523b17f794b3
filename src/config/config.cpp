#include "config/config.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/scalar.h"
#include "io/atomic_file.h"

namespace longconv {

namespace {

[[noreturn]] void fail(const std::string& message) { throw ConfigError(message); }

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> names;
  size_t start = 0;
  for (size_t dot = key.find('.'); dot != std::string::npos; start = dot + 1, dot = key.find('.', start))
    names.push_back(key.substr(start, dot - start));
  names.push_back(key.substr(start));
  return names;
}

bool is_list(ValueType type) {
  return type == ValueType::IntList || type == ValueType::FloatList || type == ValueType::StringList;
}

ValueType element_type(ValueType type) {
  switch (type) {
    case ValueType::IntList:
      return ValueType::Int;
    case ValueType::FloatList:
      return ValueType::Float;
    case ValueType::StringList:
      return ValueType::String;
    default:
      return type;
  }
}

// A value as shown in messages. A quoted scalar is a string even when it looks like a number, so say so.
std::string describe(const YAML::Node& value) {
  if (value.IsNull()) return "null";
  if (value.IsSequence()) return "a list";
  if (value.IsMap()) return "a mapping";
  const std::string quoted = "'" + value.Scalar() + "'";
  return value.Tag() == "!" ? "the string " + quoted : quoted;
}

YAML::Node load_yaml(const std::string& text, const std::string& where) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) fail(fmt::format("{}: cannot parse YAML: {}", where, e.msg));
    fail(
        fmt::format("{}: cannot parse YAML: line {}, column {}: {}", where, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row.back();
}

[[noreturn]] void fail_unknown(const std::string& source, const std::string& key, const Schema& schema) {
  std::string message = fmt::format("{}: unknown key '{}'", source, key);
  const std::string* closest = nullptr;
  size_t best = 3;  // suggest only within two edits
  for (const auto& entry : schema.keys()) {
    const size_t distance = edit_distance(key, entry.first);
    if (distance < best) {
      best = distance;
      closest = &entry.first;
    }
  }
  if (closest) message += fmt::format(" (did you mean '{}'?)", *closest);
  fail(message);
}

// Sets `value` at the dotted `key` below the mapping `root`, creating sections (or filling null ones) on the way.
void put(YAML::Node root, const std::string& key, const YAML::Node& value, const std::string& where) {
  const std::vector<std::string> names = split_key(key);
  YAML::Node node = root;
  std::string path;
  for (size_t i = 0; i + 1 < names.size(); ++i) {
    path += (i ? "." : "") + names[i];
    YAML::Node child = node[names[i]];
    if (!child.IsDefined() || child.IsNull())
      child = YAML::Node(YAML::NodeType::Map);
    else if (!child.IsMap())
      fail(fmt::format("{}: key '{}' holds a value, not a section", where, path));
    node.reset(child);  // not `node = child`, which would overwrite the parent's node with the child
  }
  node[names.back()] = value;
}

// Where each part of the raw tree came from: the file, or the override that last set it.
class Sources {
 public:
  explicit Sources(std::string origin) : origin_(std::move(origin)) {}

  void set_by_override(const std::string& key, const std::string& override_text) {
    for (auto it = by_key_.begin(); it != by_key_.end();)
      it = it->first == key || it->first.rfind(key + ".", 0) == 0 ? by_key_.erase(it) : std::next(it);
    by_key_[key] = fmt::format("override '{}'", override_text);
  }

  const std::string& of(const std::string& key) const {
    // The override that set the key or a section above it,
    for (std::string k = key;;) {
      if (const auto it = by_key_.find(k); it != by_key_.end()) return it->second;
      const size_t dot = k.rfind('.');
      if (dot == std::string::npos) break;
      k.resize(dot);
    }
    // or one that set a key inside it, which made a section of it.
    const std::string section = key + ".";
    const auto inside = by_key_.lower_bound(section);
    if (inside != by_key_.end() && inside->first.rfind(section, 0) == 0) return inside->second;
    return origin_;
  }

 private:
  std::string origin_;
  std::map<std::string, std::string> by_key_;
};

void apply_override(YAML::Node root, const std::string& text, Sources& sources) {
  const std::string where = fmt::format("override '{}'", text);
  const size_t eq = text.find('=');
  const std::string key = text.substr(0, eq);
  const std::vector<std::string> names = split_key(key);
  const auto empty = [](const std::string& name) { return name.empty(); };
  if (eq == std::string::npos || std::any_of(names.begin(), names.end(), empty)) fail(where + ": expected key=value");
  put(root, key, load_yaml(text.substr(eq + 1), where), where);
  sources.set_by_override(key, text);
}

// The canonical text of `value` as a scalar of `type`, or nullopt if it is not one.
std::optional<std::string> canonical(ValueType type, const YAML::Node& value) {
  if (!value.IsScalar()) return std::nullopt;
  const std::string& text = value.Scalar();
  if (type == ValueType::String) return text;
  if (value.Tag() == "!") return std::nullopt;  // quoted
  switch (type) {
    case ValueType::Int:
      if (const auto i = scalar::parse_int(text)) return std::to_string(*i);
      break;
    case ValueType::Float:
      if (const auto f = scalar::parse_float(text)) return scalar::format_float(*f);
      break;
    case ValueType::Bool:
      if (const auto b = scalar::parse_bool(text)) return *b ? "true" : "false";
      break;
    default:
      break;
  }
  return std::nullopt;
}

// `value` checked against `spec` and rewritten in canonical form. `where` ("<source>: key 'x'") starts any error.
YAML::Node normalise(const KeySpec& spec, const YAML::Node& value, const std::string& where) {
  const std::string expected = fmt::format("{}: expected {}", where, value_type_name(spec.type));
  if (value.IsNull()) {
    if (spec.nullable) return YAML::Node();
    fail(expected + ", got null");
  }
  if (!is_list(spec.type)) {
    const std::optional<std::string> text = canonical(spec.type, value);
    if (!text) fail(fmt::format("{}, got {}", expected, describe(value)));
    if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), *text) == spec.choices.end())
      fail(fmt::format("{}: expected one of [{}], got {}", where, fmt::join(spec.choices, ", "), describe(value)));
    return YAML::Node(*text);
  }
  if (!value.IsSequence()) fail(fmt::format("{}, got {}", expected, describe(value)));
  YAML::Node list(YAML::NodeType::Sequence);
  list.SetStyle(YAML::EmitterStyle::Flow);
  for (size_t i = 0; i < value.size(); ++i) {
    const std::optional<std::string> text = canonical(element_type(spec.type), value[i]);
    if (!text) fail(fmt::format("{}, got {} at index {}", expected, describe(value[i]), i));
    list.push_back(*text);
  }
  return list;
}

// Checks the leaves under the raw mapping `map` (at `prefix`) and adds their canonical values to `values`.
void collect(const YAML::Node& map, const std::string& prefix, const Schema& schema, const Sources& sources,
             std::map<std::string, YAML::Node>& values) {
  std::set<std::string> names;
  for (const auto& entry : map) {
    const std::string& source = sources.of(prefix);
    if (!entry.first.IsScalar())
      fail(fmt::format("{}: keys must be names, got {} in section '{}'", source, describe(entry.first), prefix));
    const std::string& name = entry.first.Scalar();
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    if (name.empty() || name.find('.') != std::string::npos)
      fail(fmt::format("{}: key '{}': names cannot be empty or contain '.'; nest sections instead", source, key));
    if (!names.insert(name).second) fail(fmt::format("{}: duplicate key '{}'", source, key));

    const YAML::Node& value = entry.second;
    if (const KeySpec* spec = schema.find(key)) {
      values[key] = normalise(*spec, value, fmt::format("{}: key '{}'", sources.of(key), key));
    } else if (value.IsMap() && value.size() > 0) {
      collect(value, key, schema, sources, values);  // an unknown section is reported by its first leaf
    } else if (const std::string* renamed = schema.renamed_to(key)) {
      fail(fmt::format("{}: key '{}' is now '{}' (renamed; see CHANGELOG.md)", sources.of(key), key, *renamed));
    } else if (!schema.has_section(key)) {
      fail_unknown(sources.of(key), key, schema);
    } else if (!value.IsNull() && !value.IsMap()) {  // null counts as an empty section, e.g. with all keys commented
      fail(fmt::format("{}: key '{}': expected a section (mapping), got {}", sources.of(key), key, describe(value)));
    }
  }
}

// Throws unless a key of type `actual` can be read as `wanted`; an int is also a float.
void check_type(const std::string& origin, const std::string& key, ValueType actual, ValueType wanted) {
  if (actual == wanted || (wanted == ValueType::Float && actual == ValueType::Int)) return;
  fail(fmt::format("{}: key '{}' has type {}, not {}", origin, key, value_type_name(actual), value_type_name(wanted)));
}

template <typename T>
T required(std::optional<T> value, const std::string& origin, const std::string& key) {
  if (!value) fail(fmt::format("{}: key '{}' is null", origin, key));
  return *std::move(value);
}

template <typename T, typename Parse>
std::vector<T> elements(const YAML::Node& list, Parse parse) {
  std::vector<T> out;
  for (const auto& item : list) out.push_back(*parse(item.Scalar()));  // stored canonical, so it parses
  return out;
}

}  // namespace

Config& Config::operator=(const Config& other) {
  origin_ = other.origin_;
  overridden_ = other.overridden_;
  schema_ = other.schema_;
  tree_.reset(other.tree_);
  return *this;
}

Config Config::load(const std::string& path, const std::vector<std::string>& overrides, const SchemaResolver& resolve) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const std::exception&) {
    fail(path + ": cannot read file");
  }
  return parse(text, path, overrides, resolve);
}

Config Config::parse(const std::string& yaml_text, const std::string& origin, const std::vector<std::string>& overrides,
                     const SchemaResolver& resolve) {
  YAML::Node raw = load_yaml(yaml_text, origin);
  if (raw.IsNull()) raw = YAML::Node(YAML::NodeType::Map);  // an empty file: all defaults
  if (!raw.IsMap()) fail(fmt::format("{}: expected a mapping at the top level, got {}", origin, describe(raw)));
  Sources sources(origin);
  for (const std::string& text : overrides) apply_override(raw, text, sources);

  Config config;
  config.origin_ = origin;
  config.schema_ = resolve(raw);
  std::map<std::string, YAML::Node> values;
  collect(raw, "", config.schema_, sources, values);
  config.tree_ = YAML::Node(YAML::NodeType::Map);
  for (const auto& [key, spec] : config.schema_.keys()) {
    if (const std::string& source = sources.of(key); source != origin) config.overridden_[key] = source;
    const auto it = values.find(key);
    put(config.tree_, key, it != values.end() ? it->second : YAML::Clone(spec.default_value), origin);
  }
  return config;
}

int64_t Config::get_int(const std::string& key) const { return required(get_opt_int(key), origin_, key); }

double Config::get_float(const std::string& key) const { return required(get_opt_float(key), origin_, key); }

bool Config::get_bool(const std::string& key) const {
  check_type(origin_, key, spec(key).type, ValueType::Bool);
  return required(scalar::parse_bool(lookup(key).Scalar()), origin_, key);
}

std::string Config::get_string(const std::string& key) const { return required(get_opt_string(key), origin_, key); }

std::optional<int64_t> Config::get_opt_int(const std::string& key) const {
  check_type(origin_, key, spec(key).type, ValueType::Int);
  const YAML::Node value = lookup(key);
  return value.IsNull() ? std::nullopt : scalar::parse_int(value.Scalar());
}

std::optional<double> Config::get_opt_float(const std::string& key) const {
  check_type(origin_, key, spec(key).type, ValueType::Float);
  const YAML::Node value = lookup(key);
  return value.IsNull() ? std::nullopt : scalar::parse_float(value.Scalar());
}

std::optional<std::string> Config::get_opt_string(const std::string& key) const {
  check_type(origin_, key, spec(key).type, ValueType::String);
  const YAML::Node value = lookup(key);
  return value.IsNull() ? std::nullopt : std::optional<std::string>(value.Scalar());
}

std::vector<int64_t> Config::get_int_list(const std::string& key) const {
  check_type(origin_, key, spec(key).type, ValueType::IntList);
  return elements<int64_t>(lookup(key), scalar::parse_int);
}

std::vector<double> Config::get_float_list(const std::string& key) const {
  check_type(origin_, key, spec(key).type, ValueType::FloatList);
  return elements<double>(lookup(key), scalar::parse_float);
}

std::vector<std::string> Config::get_string_list(const std::string& key) const {
  check_type(origin_, key, spec(key).type, ValueType::StringList);
  return elements<std::string>(lookup(key), [](const std::string& s) { return std::optional<std::string>(s); });
}

bool Config::is_null(const std::string& key) const {
  spec(key);
  return lookup(key).IsNull();
}

const std::string& Config::source_of(const std::string& key) const {
  const auto it = overridden_.find(key);
  return it == overridden_.end() ? origin_ : it->second;
}

bool Config::has(const std::string& key) const { return schema_.find(key) != nullptr; }

void Config::set(const std::string& key, const YAML::Node& value) {
  const std::string where = fmt::format("{} (set): key '{}'", origin_, key);
  const YAML::Node canonical_value = normalise(spec(key), value, where);
  YAML::Node tree = YAML::Clone(tree_);  // copies of this Config share tree_
  put(tree, key, canonical_value, where);
  tree_.reset(tree);
}

std::string Config::to_yaml() const {
  YAML::Emitter out;
  out << tree_;
  return std::string(out.c_str()) + "\n";
}

void Config::save(const std::string& path) const { io::write_file_atomic(path, to_yaml()); }

// Every schema key is in tree_ (parse fills defaults), so the walk cannot miss once spec(key) has succeeded.
YAML::Node Config::lookup(const std::string& key) const {
  YAML::Node node = tree_;
  for (const std::string& name : split_key(key)) {
    const YAML::Node& parent = node;
    node.reset(parent[name]);
  }
  return node;
}

const KeySpec& Config::spec(const std::string& key) const {
  if (const KeySpec* found = schema_.find(key)) return *found;
  fail_unknown(origin_, key, schema_);
}

}  // namespace longconv
