#include "io/state_dict.h"

#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace longconv::io {
namespace {

// Loading converts within a kind (float64 weights into a float32 module) but never across for a parameter: integer
// weights for a float parameter are a wrong file, not a precision choice. A buffer also takes integers: counters and
// flags (num_batches_tracked, initialized) are int64 in the reference's files, and Module::to(dtype) in C++ turns
// them into floats with the parameters.
enum class Kind { Float, Integer, Bool };
Kind kind(const torch::Tensor& t) {
  if (t.scalar_type() == torch::kBool) return Kind::Bool;
  return t.is_floating_point() || t.is_complex() ? Kind::Float : Kind::Integer;
}
bool loads_into(const torch::Tensor& file, const torch::Tensor& target, bool parameter) {
  return kind(file) == kind(target) || (!parameter && kind(file) == Kind::Integer);
}

std::string join_key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// The registered tensors only.
StateDict registered_state(const torch::nn::Module& module) {
  StateDict state;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) state.emplace(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) state.emplace(item.key(), item.value());
  return state;
}

struct Layout {
  std::map<std::string, std::string> alias_of;  // full alias key -> full registered key
  std::map<std::string, torch::Tensor> defaults;
};

// Aliases of whole submodules ("module" for "bn") expand to every tensor under them.
Layout layout(const torch::nn::Module& module, const StateDict& registered) {
  Layout out;
  // named_modules(include_self) needs the root in a shared_ptr: the root is taken separately.
  std::vector<std::pair<std::string, const torch::nn::Module*>> all{{"", &module}};
  for (const auto& item : module.named_modules("", /*include_self=*/false))
    all.emplace_back(item.key(), item.value().get());
  for (const auto& [prefix, m] : all) {
    const auto* layout = dynamic_cast<const StateLayout*>(m);
    if (!layout) continue;
    for (const auto& [alias, name] : layout->state_aliases()) {
      const std::string full_alias = join_key(prefix, alias), full_name = join_key(prefix, name);
      for (const auto& entry : registered) {
        const std::string& key = entry.first;
        if (key == full_name) out.alias_of[full_alias] = key;
        if (key.rfind(full_name + ".", 0) == 0) out.alias_of[full_alias + key.substr(full_name.size())] = key;
      }
    }
    for (const auto& [name, value] : layout->state_defaults()) out.defaults[join_key(prefix, name)] = value;
  }
  return out;
}

}  // namespace

StateDict state_dict(const torch::nn::Module& module) {
  StateDict state = registered_state(module);
  for (const auto& [alias, name] : layout(module, state).alias_of) state.emplace(alias, state.at(name));
  return state;
}

void load_state_dict(torch::nn::Module& module, const StateDict& state, const std::string& origin) {
  // The returned tensors share storage with the module, so copying into them loads in place.
  const StateDict targets = registered_state(module);
  const Layout lay = layout(module, targets);

  std::vector<std::string> missing, unexpected, mismatched;
  StateDict source;  // registered key -> the file's tensor
  for (const auto& [key, value] : state) {
    const auto alias = lay.alias_of.find(key);
    if (alias == lay.alias_of.end()) {
      if (targets.count(key)) source[key] = value;
      continue;
    }
    const auto own = state.find(alias->second);
    if (own == state.end())
      source[alias->second] = value;
    else if (own->second.sizes() != value.sizes() || !torch::equal(own->second, value.to(own->second.dtype())))
      mismatched.push_back(fmt::format("'{}' differs from its copy '{}'", key, alias->second));
  }
  const auto parameters = module.named_parameters(/*recurse=*/true);
  for (const auto& [name, target] : targets) {
    const auto it = source.find(name);
    if (it == source.end()) {
      if (!lay.defaults.count(name)) missing.push_back(name);
    } else if (it->second.sizes() != target.sizes()) {
      mismatched.push_back(fmt::format("shape mismatch for '{}': file [{}] vs module [{}]", name,
                                       fmt::join(it->second.sizes(), ", "), fmt::join(target.sizes(), ", ")));
    } else if (!loads_into(it->second, target, parameters.contains(name))) {
      mismatched.push_back(fmt::format("dtype mismatch for '{}': file {} vs module {}", name,
                                       c10::toString(it->second.scalar_type()), c10::toString(target.scalar_type())));
    }
  }
  for (const auto& item : state)
    if (!targets.count(item.first) && !lay.alias_of.count(item.first)) unexpected.push_back(item.first);

  std::vector<std::string> problems;
  if (!missing.empty()) problems.push_back(fmt::format("missing keys: {}", fmt::join(missing, ", ")));
  if (!unexpected.empty()) problems.push_back(fmt::format("unexpected keys: {}", fmt::join(unexpected, ", ")));
  problems.insert(problems.end(), mismatched.begin(), mismatched.end());
  if (!problems.empty()) throw std::runtime_error(fmt::format("{}: {}", origin, fmt::join(problems, "; ")));

  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : targets) {
    // copy_ is const on the handle: it writes the storage the module owns.
    const auto it = source.find(name);
    target.copy_((it != source.end() ? it->second : lay.defaults.at(name)).to(target.dtype()));
  }
}

}  // namespace longconv::io
