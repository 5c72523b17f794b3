#include "data/datasets/listops.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include "data/formats/data_file.h"
#include "data/registry.h"

namespace longconv::data {

namespace {

constexpr int64_t kListOpsClasses = 10, kPad = 0, kUnk = 1, kEos = 2;

struct Parsed {
  std::vector<std::vector<std::string>> tokens;
  std::vector<int64_t> targets;
};

// Rows of one TSV file, tokenized and cut to `max_tokens`.
Parsed read_tsv(const std::string& path, int64_t max_tokens) {
  std::istringstream in(read_data_file(path));
  std::string line;
  const auto chomp = [&line] {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  };
  if (!std::getline(in, line)) throw std::runtime_error(path + ": empty file (expected the header Source\\tTarget)");
  chomp();
  if (line != "Source\tTarget")
    throw std::runtime_error(path + ": line 1: expected the header Source\\tTarget, got '" + line.substr(0, 80) + "'");
  Parsed out;
  for (int64_t number = 2; std::getline(in, line); ++number) {
    chomp();
    if (line.empty()) continue;
    const std::string where = path + ": line " + std::to_string(number) + ": ";
    const size_t tab = line.find('\t');
    if (tab == std::string::npos || line.find('\t', tab + 1) != std::string::npos)
      throw std::runtime_error(where + "expected two tab-separated fields (Source, Target)");
    const std::string target = line.substr(tab + 1);
    if (target.size() != 1 || target[0] < '0' || target[0] > '9')
      throw std::runtime_error(where + "target '" + target.substr(0, 20) + "' is not an integer in [0, 10)");
    std::vector<std::string> tokens = listops_tokenize(line.substr(0, tab));
    if (tokens.empty()) throw std::runtime_error(where + "empty source");
    if (static_cast<int64_t>(tokens.size()) > max_tokens) tokens.resize(static_cast<size_t>(max_tokens));
    out.tokens.push_back(std::move(tokens));
    out.targets.push_back(target[0] - '0');
  }
  if (out.targets.empty()) throw std::runtime_error(path + ": no examples after the header");
  return out;
}

std::map<std::string, int64_t> build_vocab(const Parsed& train) {
  std::map<std::string, int64_t> counts;
  for (const auto& example : train.tokens)
    for (const auto& token : example) ++counts[token];
  std::vector<std::pair<std::string, int64_t>> order(counts.begin(), counts.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::map<std::string, int64_t> vocab = {{"<pad>", kPad}, {"<unk>", kUnk}, {"<eos>", kEos}};
  for (const auto& entry : order) vocab.emplace(entry.first, static_cast<int64_t>(vocab.size()));
  return vocab;
}

class ListOpsDataset : public Dataset {
 public:
  ListOpsDataset(const Parsed& parsed, const std::map<std::string, int64_t>& vocab, int64_t l_max, bool left)
      : l_max_(l_max), left_(left), targets_(parsed.targets) {
    offsets_.push_back(0);
    for (const auto& example : parsed.tokens) {
      for (const auto& token : example) {
        const auto it = vocab.find(token);
        ids_.push_back(it == vocab.end() ? kUnk : it->second);
      }
      ids_.push_back(kEos);
      offsets_.push_back(static_cast<int64_t>(ids_.size()));
    }
  }

  int64_t size() const override { return static_cast<int64_t>(targets_.size()); }

  Example get(int64_t index, std::mt19937_64*) const override {
    if (index < 0 || index >= size())
      throw std::out_of_range("listops: index " + std::to_string(index) + " outside [0, " + std::to_string(size()) +
                              ")");
    const auto i = static_cast<size_t>(index);
    const int64_t begin = offsets_[i], n = offsets_[i + 1] - begin;
    Example e;
    e.y = torch::scalar_tensor(targets_[i], torch::kInt64);
    if (left_) {
      e.x = torch::full({1, l_max_}, static_cast<float>(kPad));
      float* x = e.x.data_ptr<float>() + (l_max_ - n);
      for (int64_t k = 0; k < n; ++k) x[k] = static_cast<float>(ids_[static_cast<size_t>(begin + k)]);
    } else {
      e.x = torch::full({l_max_}, kPad, torch::kInt64);
      std::copy_n(ids_.begin() + begin, n, e.x.data_ptr<int64_t>());
      e.length = n;
    }
    return e;
  }

 private:
  int64_t l_max_;
  bool left_;
  std::vector<int64_t> targets_;
  std::vector<int64_t> ids_;      // every example's ids (with <eos>) back to back
  std::vector<int64_t> offsets_;  // example i is ids_[offsets_[i], offsets_[i + 1])
};

}  // namespace

std::vector<std::string> listops_tokenize(const std::string& source) {
  std::vector<std::string> tokens;
  std::string token;
  for (const char c : source) {
    if (c == '(' || c == ')') continue;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
      if (!token.empty()) tokens.push_back(std::move(token));
      token.clear();
    } else {
      token.push_back(c == ']' ? 'X' : c);
    }
  }
  if (!token.empty()) tokens.push_back(std::move(token));
  return tokens;
}

const Constraint kListOpsLMax = at_least(2);

void validate(const ListOpsOptions& o) { check_option(o.l_max, kListOpsLMax, "ListOpsOptions::l_max"); }

Splits make_listops_splits(const ListOpsOptions& o) {
  validate(o);
  require_directory("listops", o.data_dir);
  const auto path = [&](const std::string& split) {
    return (std::filesystem::path(o.data_dir) / ("basic_" + split + ".tsv")).string();
  };
  const int64_t max_tokens = o.l_max - 1;  // room for <eos>
  const Parsed train = read_tsv(path("train"), max_tokens);
  const Parsed val = read_tsv(path("val"), max_tokens);
  const Parsed test = read_tsv(path("test"), max_tokens);
  const auto vocab = build_vocab(train);
  const bool left = o.padding == ListOpsPadding::Left;
  Splits splits;
  splits.train = std::make_shared<ListOpsDataset>(train, vocab, o.l_max, left);
  splits.val = std::make_shared<ListOpsDataset>(val, vocab, o.l_max, left);
  splits.test = std::make_shared<ListOpsDataset>(test, vocab, o.l_max, left);
  splits.info.task = Task::Classification;
  splits.info.d_input = 1;
  splits.info.d_output = kListOpsClasses;
  splits.info.n_tokens = left ? 0 : static_cast<int64_t>(vocab.size());
  splits.info.max_length = o.l_max;
  splits.info.spatial_shape = {o.l_max};
  return splits;
}

DatasetType listops_dataset_type() {
  ListOpsOptions defaults;
  defaults.data_dir = "data/listops-1000";
  auto bindings = Bindings<ListOpsOptions>(defaults)
                      .bind("data_dir", &ListOpsOptions::data_dir, "directory of basic_{train,val,test}.tsv")
                      .bind("l_max", &ListOpsOptions::l_max,
                            "tokens per example including the appended <eos> (longer sources are cut)", kListOpsLMax)
                      .bind("padding", &ListOpsOptions::padding,
                            EnumNames<ListOpsPadding>{{"right", ListOpsPadding::Right}, {"left", ListOpsPadding::Left}},
                            "right: int64 tokens padded on the right with lengths (MultiresNet); left: float token ids "
                            "[1, l_max] padded on the left (CCNN's loader)")
                      .validate([](const ListOpsOptions& o) { validate(o); });
  return bound_dataset_type<ListOpsOptions>(
      "listops", "Long ListOps (LRA TSV files basic_{train,val,test}.tsv): expressions -> value, 10 classes",
      std::move(bindings), make_listops_splits);
}

}  // namespace longconv::data
