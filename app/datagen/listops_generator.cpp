#include "datagen/listops_generator.h"

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <stdexcept>
#include <unordered_set>

#include "datagen/staged_dataset_dir.h"
#include "io/atomic_file.h"
#include "util/random.h"

namespace longconv::data {

namespace {

enum class Op { Min, Max, Med, SumMod };
constexpr const char* kOpNames[] = {"[MIN", "[MAX", "[MED", "[SM"};
constexpr double kValueP = 0.25;  // below max depth a node is an operator with this probability

struct Tree {
  std::string text;
  int value = 0;
  int64_t length = 0;
};

int apply(Op op, std::vector<int> args) {
  switch (op) {
    case Op::Min:
      return *std::min_element(args.begin(), args.end());
    case Op::Max:
      return *std::max_element(args.begin(), args.end());
    case Op::Med: {
      // int(np.median(args)): the mean of the two middle values for an even count, truncated.
      std::sort(args.begin(), args.end());
      const size_t n = args.size();
      return n % 2 ? args[n / 2] : (args[n / 2 - 1] + args[n / 2]) / 2;
    }
    case Op::SumMod:
      return std::accumulate(args.begin(), args.end(), 0) % 10;
  }
  return 0;
}

// generate_tree(depth, max_depth, max_args) of listops.py, rendered with to_string's parentheses: an operator with
// arguments a1..ak is the left-nested pairs ((((OP a1) a2) .. ak) ]).
Tree generate_tree(int64_t depth, const ListOpsGeneratorOptions& o, std::mt19937_64& rng) {
  const double r = depth < o.max_depth ? uniform01(rng) : 1.0;
  Tree t;
  if (r > kValueP) {
    t.value = static_cast<int>(uniform_below(rng, 10));
    t.text = std::to_string(t.value);
    t.length = 1;
    return t;
  }
  const auto k = static_cast<size_t>(2 + uniform_below(rng, static_cast<uint64_t>(o.max_args - 1)));
  std::vector<Tree> args;
  args.reserve(k);
  t.length = 2;
  for (size_t i = 0; i < k; ++i) {
    args.push_back(generate_tree(depth + 1, o, rng));
    t.length += args.back().length;
  }
  const auto op = static_cast<Op>(uniform_below(rng, 4));
  std::vector<int> values;
  for (const auto& a : args) values.push_back(a.value);
  t.value = apply(op, std::move(values));
  for (size_t i = 0; i <= k; ++i) t.text += "( ";
  t.text += kOpNames[static_cast<int>(op)];
  for (const auto& a : args) t.text += " " + a.text + " )";
  t.text += " ] )";
  return t;
}

void write_split(const std::string& path, const std::vector<ListOpsExample>& examples, size_t begin, size_t end) {
  io::write_file_atomic(path, [&](std::ostream& out) {
    out << "Source\tTarget\n";
    for (size_t i = begin; i < end; ++i) out << examples[i].source << '\t' << examples[i].target << '\n';
  });
}

}  // namespace

std::vector<ListOpsExample> generate_listops(const ListOpsGeneratorOptions& o) {
  if (o.n_train < 0 || o.n_val < 0 || o.n_test < 0)
    throw std::invalid_argument("listops generator: split sizes must be >= 0, got " + std::to_string(o.n_train) + "," +
                                std::to_string(o.n_val) + "," + std::to_string(o.n_test));
  if (o.max_args < 2) throw std::invalid_argument("listops generator: max_args must be >= 2");
  if (o.max_depth < 1) throw std::invalid_argument("listops generator: max_depth must be >= 1");
  // Every expression is held in memory until written (for de-duplication); refused before anything is allocated.
  if (o.n_train > kMaxExamples || o.n_val > kMaxExamples || o.n_test > kMaxExamples ||
      o.n_train + o.n_val + o.n_test > kMaxExamples)
    throw std::invalid_argument("listops generator: at most " + std::to_string(kMaxExamples) +
                                " expressions in all (each is held in memory, ~6.5 KB), got sizes " +
                                std::to_string(o.n_train) + "," + std::to_string(o.n_val) + "," +
                                std::to_string(o.n_test));
  const auto total = static_cast<size_t>(o.n_train + o.n_val + o.n_test);
  std::mt19937_64 rng(o.seed);
  std::vector<ListOpsExample> examples;
  examples.reserve(total);
  // listops.py de-duplicates through a set of trees; equal trees have equal text. The set holds indices into
  // `examples` so each text is stored once (the full dataset is a few hundred MB of text).
  const auto hash = [&examples](size_t i) { return std::hash<std::string>{}(examples[i].source); };
  const auto equal = [&examples](size_t a, size_t b) { return examples[a].source == examples[b].source; };
  std::unordered_set<size_t, decltype(hash), decltype(equal)> seen(2 * total, hash, equal);
  while (examples.size() < total) {
    Tree t = generate_tree(1, o, rng);
    if (!(t.length > o.min_length && t.length < o.max_length)) continue;
    examples.push_back({std::move(t.text), t.value});
    if (!seen.insert(examples.size() - 1).second) examples.pop_back();
  }
  return examples;
}

void write_listops(const std::string& dir, const ListOpsGeneratorOptions& o, bool replace) {
  if (o.n_train < 1 || o.n_val < 1 || o.n_test < 1)
    throw std::invalid_argument(
        "listops generator: every split needs an example (the reader refuses an empty one), "
        "got sizes " +
        std::to_string(o.n_train) + "," + std::to_string(o.n_val) + "," + std::to_string(o.n_test));
  StagedDatasetDir out(dir, replace, "basic_train.tsv", "data listops");
  const std::vector<ListOpsExample> examples = generate_listops(o);
  const auto path = [&](const std::string& split) { return (out.path() / ("basic_" + split + ".tsv")).string(); };
  const auto n_train = static_cast<size_t>(o.n_train), n_val = static_cast<size_t>(o.n_val);
  write_split(path("train"), examples, 0, n_train);
  write_split(path("val"), examples, n_train, n_train + n_val);
  write_split(path("test"), examples, n_train + n_val, examples.size());
  out.commit();
}

}  // namespace longconv::data
