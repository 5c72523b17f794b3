#include "data/dataset.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "util/random.h"

namespace longconv::data {

namespace {

std::string shape_str(const torch::Tensor& t) { return t.defined() ? c10::str(t.sizes()) : "undefined"; }

// Stacks one field of every example; undefined when the first example leaves it undefined (e.g. no target).
torch::Tensor stack_field(const std::vector<Example>& examples, torch::Tensor Example::*field, const char* name) {
  const torch::Tensor& first = examples[0].*field;
  std::vector<torch::Tensor> parts;
  parts.reserve(examples.size());
  for (size_t i = 0; i < examples.size(); ++i) {
    const torch::Tensor& t = examples[i].*field;
    if (t.defined() != first.defined() || (t.defined() && t.sizes() != first.sizes()))
      throw std::invalid_argument(std::string("collate: example ") + std::to_string(i) + " has " + name + " shape " +
                                  shape_str(t) + " but example 0 has " + shape_str(first));
    parts.push_back(t);
  }
  return first.defined() ? torch::stack(parts) : torch::Tensor();
}

}  // namespace

Batch Dataset::collate(const std::vector<Example>& examples) const {
  if (examples.empty()) throw std::invalid_argument("collate: no examples");
  Batch batch;
  batch.x = stack_field(examples, &Example::x, "x");
  batch.y = stack_field(examples, &Example::y, "y");
  batch.rel_pos = stack_field(examples, &Example::rel_pos, "rel_pos");
  batch.sorted_indices = stack_field(examples, &Example::sorted_indices, "sorted_indices");
  const bool any_length = std::any_of(examples.begin(), examples.end(), [](const Example& e) { return e.length >= 0; });
  if (any_length) {
    batch.lengths = torch::empty({static_cast<int64_t>(examples.size())}, torch::kInt64);
    auto* out = batch.lengths.data_ptr<int64_t>();
    for (size_t i = 0; i < examples.size(); ++i)
      out[i] = examples[i].length >= 0 ? examples[i].length : examples[i].x.size(-1);
  }
  return batch;
}

Subset::Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  if (!base_) throw std::invalid_argument("Subset: null base dataset");
  const int64_t n = base_->size();
  for (int64_t i : indices_)
    if (i < 0 || i >= n)
      throw std::out_of_range("Subset: index " + std::to_string(i) + " outside the base dataset's [0, " +
                              std::to_string(n) + ")");
}

Example Subset::get(int64_t index, std::mt19937_64* rng) const {
  if (index < 0 || index >= size())
    throw std::out_of_range("Subset: index " + std::to_string(index) + " outside [0, " + std::to_string(size()) + ")");
  return base_->get(indices_[static_cast<size_t>(index)], rng);
}

const EnumNames<Task> kDensityTaskNames = {{"classification", Task::Classification}, {"density", Task::Density}};
const char* const kDensityTaskHelp =
    "classification: labels; density: pixels for autoregressive modelling, rescaled to [-1, 1] (normalization does "
    "not apply)";

const Constraint kValSplit = in_half_open(0, 1);

void validate(const SplitOptions& o) { check_option(o.val_split, kValSplit, "SplitOptions::val_split"); }

Splits split_train(std::shared_ptr<const Dataset> full_train, std::shared_ptr<const Dataset> test,
                   const SplitOptions& split) {
  validate(split);
  Splits splits;
  if (split.val_split > 0.0) {
    auto [train_idx, val_idx] = split_indices(full_train->size(), split.val_split, split.split_seed);
    splits.train = std::make_shared<Subset>(full_train, std::move(train_idx));
    splits.val = std::make_shared<Subset>(full_train, std::move(val_idx));
  } else {
    splits.train = std::move(full_train);
  }
  splits.test = std::move(test);
  return splits;
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> split_indices(int64_t n, double val_fraction, uint64_t seed) {
  if (n < 0) throw std::invalid_argument("split_indices: negative size " + std::to_string(n));
  if (!(val_fraction >= 0.0 && val_fraction <= 1.0))
    throw std::invalid_argument("split_indices: val_fraction " + std::to_string(val_fraction) + " outside [0, 1]");
  std::mt19937_64 rng(seed);
  std::vector<int64_t> perm = permutation(n, rng);
  const auto n_val = static_cast<std::ptrdiff_t>(std::llround(static_cast<double>(n) * val_fraction));
  std::vector<int64_t> val(perm.begin(), perm.begin() + n_val);
  std::vector<int64_t> train(perm.begin() + n_val, perm.end());
  std::sort(val.begin(), val.end());
  std::sort(train.begin(), train.end());
  return {std::move(train), std::move(val)};
}

}  // namespace longconv::data
