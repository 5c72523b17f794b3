#include "data/datasets/ptbxl.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>

#include "data/formats/csv.h"
#include "data/formats/wfdb.h"
#include "data/registry.h"

namespace longconv::data {

const EnumNames<PtbxlLabels> kPtbxlLabelNames = {{"all", PtbxlLabels::All},
                                                 {"diagnostic", PtbxlLabels::Diagnostic},
                                                 {"subdiagnostic", PtbxlLabels::Subdiagnostic},
                                                 {"superdiagnostic", PtbxlLabels::Superdiagnostic},
                                                 {"form", PtbxlLabels::Form},
                                                 {"rhythm", PtbxlLabels::Rhythm}};

namespace {

namespace fs = std::filesystem;

constexpr int64_t kLeads = 12;
constexpr int64_t kSamples = 1000;  // 10 s at 100 Hz

class PtbxlDataset : public Dataset {
 public:
  PtbxlDataset(torch::Tensor x, torch::Tensor y) : x_(std::move(x)), y_(std::move(y)) {}
  int64_t size() const override { return x_.size(0); }
  Example get(int64_t index, std::mt19937_64*) const override {
    if (index < 0 || index >= size())
      throw std::out_of_range("ptbxl: index " + std::to_string(index) + " outside [0, " + std::to_string(size()) + ")");
    return {x_[index], y_[index], -1};
  }

 private:
  torch::Tensor x_;  // float [N, 12, 1000]
  torch::Tensor y_;  // float [N, labels]
};

struct Record {
  std::string filename;  // filename_lr, relative to the data directory, without extension
  int64_t fold = 0;
  std::set<std::string> labels;
};

struct Labelled {
  std::vector<Record> records;     // those with at least one label of the task, in file order
  std::vector<std::string> names;  // sorted
};

bool is_one(const std::string& flag) { return !flag.empty() && std::strtod(flag.c_str(), nullptr) == 1.0; }

// The SCP codes of each statement kind from scp_statements.csv (first column: the code).
struct Statements {
  std::map<std::string, std::string> diagnostic_class, diagnostic_subclass;  // "" when absent (NaN)
  std::set<std::string> diagnostic, form, rhythm;
};

Statements read_statements(const std::string& path) {
  const CsvTable t = read_csv(path);
  const size_t diagnostic = t.column("diagnostic"), form = t.column("form"), rhythm = t.column("rhythm"),
               cls = t.column("diagnostic_class"), subclass = t.column("diagnostic_subclass");
  Statements s;
  for (const auto& row : t.rows) {
    const std::string& code = row[0];
    if (is_one(row[diagnostic])) {
      s.diagnostic.insert(code);
      s.diagnostic_class[code] = row[cls];
      s.diagnostic_subclass[code] = row[subclass];
    }
    if (is_one(row[form])) s.form.insert(code);
    if (is_one(row[rhythm])) s.rhythm.insert(code);
  }
  return s;
}

// The task's labels of a record with SCP codes `codes` (the reference's aggregate_* functions).
std::set<std::string> task_labels(PtbxlLabels task, const std::vector<std::string>& codes, const Statements& s) {
  using L = PtbxlLabels;
  std::set<std::string> labels;
  for (const auto& code : codes) {
    if (task == L::All) {
      labels.insert(code);
    } else if (task == L::Diagnostic || task == L::Subdiagnostic || task == L::Superdiagnostic) {
      if (!s.diagnostic.count(code)) continue;
      const std::string& label = task == L::Diagnostic      ? code
                                 : task == L::Subdiagnostic ? s.diagnostic_subclass.at(code)
                                                            : s.diagnostic_class.at(code);
      if (!label.empty()) labels.insert(label);
    } else if ((task == L::Form && s.form.count(code)) || (task == L::Rhythm && s.rhythm.count(code))) {
      labels.insert(code);
    }
  }
  return labels;
}

Labelled load_labels(const PtbxlOptions& options) {
  std::error_code ec;
  if (options.data_dir.empty() || !fs::is_directory(options.data_dir, ec))
    throw std::runtime_error(options.data_dir + ": no such directory");
  const std::string database_path = (fs::path(options.data_dir) / "ptbxl_database.csv").string();
  const std::string statements_path = (fs::path(options.data_dir) / "scp_statements.csv").string();
  for (const auto& p : {database_path, statements_path})
    if (!fs::is_regular_file(p, ec)) throw std::runtime_error(p + ": missing");
  const Statements statements = read_statements(statements_path);
  const CsvTable db = read_csv(database_path);
  const size_t scp = db.column("scp_codes"), fold = db.column("strat_fold"), file = db.column("filename_lr");

  Labelled out;
  std::set<std::string> names;
  for (size_t r = 0; r < db.rows.size(); ++r) {
    const auto& row = db.rows[r];
    const std::string where = database_path + ":" + std::to_string(db.lines[r]);
    std::vector<std::string> codes;
    try {
      codes = python_dict_keys(row[scp]);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(where + ": scp_codes " + e.what());
    }
    Record record;
    char* end = nullptr;
    const double fold_value = std::strtod(row[fold].c_str(), &end);  // "9" or, written by pandas, "9.0"
    record.fold = static_cast<int64_t>(fold_value);
    if (row[fold].empty() || *end != '\0' || fold_value != static_cast<double>(record.fold) || record.fold < 1 ||
        record.fold > 10)
      throw std::runtime_error(where + ": strat_fold '" + row[fold] + "' is not a fold 1-10");
    if (row[file].empty()) throw std::runtime_error(where + ": empty filename_lr");
    record.filename = row[file];
    record.labels = task_labels(options.labels, codes, statements);
    if (record.labels.empty()) continue;
    names.insert(record.labels.begin(), record.labels.end());
    out.records.push_back(std::move(record));
  }
  out.names.assign(names.begin(), names.end());
  return out;
}

}  // namespace

std::vector<std::string> python_dict_keys(const std::string& literal) {
  size_t i = 0;
  const auto skip = [&] {
    while (i < literal.size() && std::isspace(static_cast<unsigned char>(literal[i]))) ++i;
  };
  const auto fail = [&](const std::string& what) {
    return std::invalid_argument("'" + literal + "': " + what + " at character " + std::to_string(i));
  };
  std::vector<std::string> keys;
  skip();
  if (i >= literal.size() || literal[i] != '{') throw fail("expected '{'");
  ++i;
  skip();
  if (i < literal.size() && literal[i] == '}') {
    ++i;
  } else {
    for (;;) {
      skip();
      if (i >= literal.size() || (literal[i] != '\'' && literal[i] != '"')) throw fail("expected a quoted key");
      const char quote = literal[i++];
      const size_t close = literal.find(quote, i);
      if (close == std::string::npos) throw fail("unterminated key");
      keys.push_back(literal.substr(i, close - i));
      i = close + 1;
      skip();
      if (i >= literal.size() || literal[i] != ':') throw fail("expected ':'");
      ++i;
      skip();
      const char* start = literal.c_str() + i;
      char* end = nullptr;
      std::strtod(start, &end);
      if (end == start) throw fail("expected a number");
      i += static_cast<size_t>(end - start);
      skip();
      if (i < literal.size() && literal[i] == ',') {
        ++i;
        skip();
        if (i < literal.size() && literal[i] == '}') break;  // trailing comma
        continue;
      }
      if (i < literal.size() && literal[i] == '}') break;
      throw fail("expected ',' or '}'");
    }
    ++i;
  }
  skip();
  if (i != literal.size()) throw fail("text after '}'");
  return keys;
}

std::vector<std::string> ptbxl_labels(const PtbxlOptions& options) { return load_labels(options).names; }

Splits make_ptbxl_splits(const PtbxlOptions& options) {
  const Labelled labelled = load_labels(options);
  const auto n = static_cast<int64_t>(labelled.records.size());
  const std::string label_set = enum_name(kPtbxlLabelNames, options.labels);
  if (n == 0) throw std::runtime_error(options.data_dir + ": no record has a label of the set '" + label_set + "'");
  std::map<std::string, int64_t> label_index;
  for (size_t k = 0; k < labelled.names.size(); ++k) label_index[labelled.names[k]] = static_cast<int64_t>(k);

  torch::Tensor x = torch::empty({n, kLeads, kSamples});
  at::parallel_for(0, n, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const std::string path = (fs::path(options.data_dir) / labelled.records[i].filename).string();
      const WfdbRecord record = read_wfdb_record(path);
      if (record.n_signals != kLeads || record.n_samples != kSamples)
        throw std::runtime_error(path + ".hea: " + std::to_string(record.n_signals) + " signals x " +
                                 std::to_string(record.n_samples) +
                                 " samples, expected 12 x 1000 (the 100 Hz records)");
      x[i].copy_(record.signal);
    }
  });

  std::vector<int64_t> split_indices[3];  // train, validation, test
  for (int64_t i = 0; i < n; ++i) {
    const int64_t fold = labelled.records[i].fold;
    split_indices[fold <= 8 ? 0 : fold == 9 ? 1 : 2].push_back(i);
  }
  const char* split_names[3] = {"training (folds 1-8)", "validation (fold 9)", "test (fold 10)"};
  for (int s = 0; s < 3; ++s)
    if (split_indices[s].empty())
      throw std::runtime_error(options.data_dir + ": no " + split_names[s] + " record with a label of the set '" +
                               label_set + "'");

  torch::Tensor y = torch::zeros({n, static_cast<int64_t>(labelled.names.size())});
  for (int64_t i = 0; i < n; ++i)
    for (const auto& label : labelled.records[i].labels) y[i][label_index.at(label)] = 1.0f;

  const auto take = [](const torch::Tensor& t, const std::vector<int64_t>& idx) {
    return t.index_select(0, torch::tensor(idx, torch::kInt64)).contiguous();
  };
  torch::Tensor train_x = take(x, split_indices[0]), val_x = take(x, split_indices[1]),
                test_x = take(x, split_indices[2]);
  x = torch::Tensor();
  if (options.normalize) {
    // StandardScaler over every training value: population std; a constant input keeps scale 1. Sums in float64,
    // a record at a time (the training set is 200M values).
    double sum = 0.0, sum_sq = 0.0;
    for (int64_t i = 0; i < train_x.size(0); ++i) {
      const torch::Tensor r = train_x[i].to(torch::kFloat64);
      sum += r.sum().item<double>();
      sum_sq += r.pow(2).sum().item<double>();
    }
    const auto count = static_cast<double>(train_x.numel());
    const double mean = sum / count;
    double stddev = std::sqrt(std::max(0.0, sum_sq / count - mean * mean));
    if (stddev == 0.0) stddev = 1.0;
    for (torch::Tensor* t : {&train_x, &val_x, &test_x}) t->sub_(mean).div_(stddev);
  }

  Splits splits;
  splits.train = std::make_shared<PtbxlDataset>(train_x, take(y, split_indices[0]));
  splits.val = std::make_shared<PtbxlDataset>(val_x, take(y, split_indices[1]));
  splits.test = std::make_shared<PtbxlDataset>(test_x, take(y, split_indices[2]));
  splits.info.task = Task::MultiLabel;
  splits.info.d_input = kLeads;
  splits.info.d_output = static_cast<int64_t>(labelled.names.size());
  splits.info.max_length = kSamples;
  splits.info.spatial_shape = {kSamples};
  return splits;
}

DatasetType ptbxl_dataset_type() {
  PtbxlOptions defaults;
  defaults.data_dir = "data/ptbxl";
  auto bindings = Bindings<PtbxlOptions>(defaults)
                      .bind("data_dir", &PtbxlOptions::data_dir,
                            "directory of ptbxl_database.csv, scp_statements.csv and records100/")
                      .bind("labels", &PtbxlOptions::labels, kPtbxlLabelNames, "label set (multi-label targets)")
                      .bind("normalize", &PtbxlOptions::normalize,
                            "standardise with the mean and std of every training value (as the reference)");
  DatasetType t = bound_dataset_type<PtbxlOptions>(
      "ptbxl", "PTB-XL 100 Hz ECGs (12 leads x 1000 samples), multi-label; folds 1-8 train, 9 validation, 10 test",
      std::move(bindings), make_ptbxl_splits);
  t.schema = [declare = t.schema](Schema& s) {
    declare(s);
    s.add_renamed("task", "labels");
  };
  return t;
}

}  // namespace longconv::data
