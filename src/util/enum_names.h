// Names of an enum's values, defined once next to the enum: config bindings parse them into the enum (and list
// them as the key's choices); messages and `longconv info` print them.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace longconv {

template <typename E>
struct EnumName {
  const char* name;
  E value;
};

template <typename E>
using EnumNames = std::vector<EnumName<E>>;

template <typename E>
std::optional<E> parse_enum(const EnumNames<E>& names, const std::string& name) {
  for (const auto& n : names)
    if (name == n.name) return n.value;
  return std::nullopt;
}

template <typename E>
const char* enum_name(const EnumNames<E>& names, E value) {
  for (const auto& n : names)
    if (n.value == value) return n.name;
  throw std::logic_error("enum value without a name");
}

template <typename E>
std::vector<std::string> enum_choices(const EnumNames<E>& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back(n.name);
  return out;
}

}  // namespace longconv
