#include "io/state_dict.h"

#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace longconv::io {
namespace {

// Loading converts within a kind (float64 weights into a float32 module) but never across: integer weights for a
// float parameter are a wrong file, not a precision choice.
enum class Kind { Float, Integer, Bool };
Kind kind(const torch::Tensor& t) {
  if (t.scalar_type() == torch::kBool) return Kind::Bool;
  return t.is_floating_point() || t.is_complex() ? Kind::Float : Kind::Integer;
}

}  // namespace

StateDict state_dict(const torch::nn::Module& module) {
  StateDict state;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) state.emplace(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) state.emplace(item.key(), item.value());
  return state;
}

void load_state_dict(torch::nn::Module& module, const StateDict& state, const std::string& origin) {
  // The returned tensors share storage with the module, so copying into them loads in place.
  const StateDict targets = state_dict(module);

  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [name, target] : targets) {
    const auto it = state.find(name);
    if (it == state.end())
      missing.push_back(name);
    else if (it->second.sizes() != target.sizes())
      mismatched.push_back(fmt::format("shape mismatch for '{}': file [{}] vs module [{}]", name,
                                       fmt::join(it->second.sizes(), ", "), fmt::join(target.sizes(), ", ")));
    else if (kind(it->second) != kind(target))
      mismatched.push_back(fmt::format("dtype mismatch for '{}': file {} vs module {}", name,
                                       c10::toString(it->second.scalar_type()), c10::toString(target.scalar_type())));
  }
  for (const auto& item : state)
    if (!targets.count(item.first)) unexpected.push_back(item.first);

  std::vector<std::string> problems;
  if (!missing.empty()) problems.push_back(fmt::format("missing keys: {}", fmt::join(missing, ", ")));
  if (!unexpected.empty()) problems.push_back(fmt::format("unexpected keys: {}", fmt::join(unexpected, ", ")));
  problems.insert(problems.end(), mismatched.begin(), mismatched.end());
  if (!problems.empty()) throw std::runtime_error(fmt::format("{}: {}", origin, fmt::join(problems, "; ")));

  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : targets) {
    // copy_ is const on the handle: it writes the storage the module owns.
    target.copy_(state.at(name).to(target.dtype()));
  }
}

}  // namespace longconv::io
