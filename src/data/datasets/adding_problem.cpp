#include "data/datasets/adding_problem.h"

#include <stdexcept>
#include <string>

#include "data/registry.h"
#include "util/random.h"

namespace longconv::data {

void validate(const AddingProblemOptions& o) {
  check_option(o.seq_length, at_least(2), "AddingProblemOptions::seq_length");
  validate(o.sizes);
}

Splits make_adding_problem_splits(const AddingProblemOptions& o) {
  validate(o);
  const int64_t L = o.seq_length;
  auto make = [L](int64_t, std::mt19937_64& rng) {
    torch::Tensor x = torch::zeros({2, L});
    float* values = x.data_ptr<float>();
    float* marks = values + L;
    for (int64_t i = 0; i < L; ++i) values[i] = static_cast<float>(uniform01(rng));
    const auto first = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(L)));
    // The second position is uniform over the other L - 1.
    auto second = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(L - 1)));
    if (second >= first) ++second;
    marks[first] = marks[second] = 1.0f;
    return Example{x, torch::tensor({values[first] + values[second]}), -1};
  };
  DatasetInfo info;
  info.task = Task::Regression;
  info.d_input = 2;
  info.d_output = 1;
  info.max_length = L;
  info.spatial_shape = {L};
  return make_generated_splits(o.sizes, make, info);
}

DatasetType adding_problem_dataset_type() {
  auto bindings = Bindings<AddingProblemOptions>()
                      .bind("seq_length", &AddingProblemOptions::seq_length, "L: sequence length", at_least(2))
                      .nest(&AddingProblemOptions::sizes, generated_size_bindings())
                      .validate([](const AddingProblemOptions& o) { validate(o); });
  return bound_dataset_type<AddingProblemOptions>(
      "adding_problem", "generated adding problem: the sum of the two marked values of a sequence (regression)",
      std::move(bindings), make_adding_problem_splits);
}

}  // namespace longconv::data
