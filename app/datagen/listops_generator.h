// Long ListOps generator after google-research/long-range-arena lra_benchmarks/data/listops.py: random nested
// expressions over MIN, MAX, MED (median, truncated to an integer) and SM (sum mod 10) of the digits 0..9, written
// in LRA's bracket format, e.g. "( ( ( [SM 3 ) ( ( [MIN 4 ) 1 ) ] ) ) 7 ) ] )".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace longconv::data {

struct ListOpsGeneratorOptions {
  uint64_t seed = 0;
  int64_t n_train = 96000, n_val = 2000, n_test = 2000;
  int64_t max_depth = 10;  // nodes at this depth are values
  int64_t max_args = 10;   // an operator takes 2..max_args arguments
  // Kept when min_length < length < max_length, length = values + 2 per operator (its name and "]").
  int64_t min_length = 500, max_length = 2000;
};

struct ListOpsExample {
  std::string source;
  int target = 0;
};

// Every expression is held in memory (about 6.5 KB of text each): a larger request is refused before anything is
// allocated.
constexpr int64_t kMaxExamples = 1'000'000;

// n_train + n_val + n_test distinct expressions, in the order drawn (the first n_train are the training split).
std::vector<ListOpsExample> generate_listops(const ListOpsGeneratorOptions& options);

// Writes basic_train.tsv, basic_val.tsv and basic_test.tsv (header "Source\tTarget") into the directory `dir`, whole
// or not at all (StagedDatasetDir): an existing dataset there is an error unless `replace`. Every split needs >= 1
// example.
void write_listops(const std::string& dir, const ListOpsGeneratorOptions& options, bool replace = false);

}  // namespace longconv::data
