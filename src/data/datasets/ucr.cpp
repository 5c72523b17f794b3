#include "data/datasets/ucr.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "data/formats/numeric_table.h"
#include "data/formats/ucr_archive.h"
#include "data/registry.h"

namespace longconv::data {

namespace {

namespace fs = std::filesystem;

struct Files {
  std::string train;
  std::optional<std::string> test;
  bool ts = false;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Files find_files(const std::string& path) {
  std::error_code ec;
  if (path.empty()) throw std::invalid_argument("ucr: path is empty (a problem's folder or its _TRAIN file)");
  Files f;
  if (fs::is_directory(path, ec)) {
    const fs::path dir(path);
    std::string name = dir.filename().string();
    if (name.empty()) name = dir.parent_path().filename().string();  // "ECG200/"
    std::vector<std::string> found;
    for (const char* ext : {".ts", ".tsv"})
      if (fs::is_regular_file(dir / (name + "_TRAIN" + ext), ec))
        found.push_back((dir / (name + "_TRAIN" + ext)).string());
    if (found.empty())
      throw std::runtime_error(fmt::format("{}: no {}_TRAIN.ts or {}_TRAIN.tsv (ucr: path)", path, name, name));
    if (found.size() > 1) throw std::invalid_argument(path + ": holds both " + found[0] + " and " + found[1]);
    f.train = found[0];
  } else if (fs::is_regular_file(path, ec)) {
    f.train = path;
  } else {
    throw std::runtime_error(path + ": no such file or directory (ucr: path)");
  }
  f.ts = ends_with(f.train, "_TRAIN.ts");
  if (!f.ts && !ends_with(f.train, "_TRAIN.tsv"))
    throw std::invalid_argument(f.train + ": not a NAME_TRAIN.ts or NAME_TRAIN.tsv file");
  const std::string test = f.train.substr(0, f.train.rfind("_TRAIN")) + "_TEST" + (f.ts ? ".ts" : ".tsv");
  if (fs::exists(test, ec)) f.test = test;
  return f;
}

struct Tables {
  Files files;
  TimeSeriesTable train;
  std::optional<TimeSeriesTable> test;
  std::vector<std::string> classes;
};

Tables read_tables(const UcrOptions& o) {
  const Files f = find_files(o.path);
  const auto read = [&](const std::string& p) { return f.ts ? read_ts_file(p) : read_ucr_tsv(p); };
  Tables t{f, read(f.train), f.test ? std::optional<TimeSeriesTable>(read(*f.test)) : std::nullopt, {}};
  if (t.test && t.test->regression() != t.train.regression())
    throw std::invalid_argument(
        fmt::format("{} and {}: one has class labels, the other regression targets", f.train, *f.test));
  if (t.train.regression()) return t;
  if (f.ts) {
    t.classes = t.train.class_labels;
  } else {
    std::set<std::string> labels(t.train.labels.begin(), t.train.labels.end());
    if (t.test) labels.insert(t.test->labels.begin(), t.test->labels.end());
    t.classes.assign(labels.begin(), labels.end());
    const bool numeric = std::all_of(t.classes.begin(), t.classes.end(), [](const std::string& l) {
      const auto v = parse_number_field(l);
      return v && !std::isnan(*v);
    });
    if (numeric)
      std::stable_sort(t.classes.begin(), t.classes.end(), [](const std::string& a, const std::string& b) {
        return *parse_number_field(a) < *parse_number_field(b);
      });
  }
  if (t.test)
    for (const std::string& label : t.test->labels)
      if (std::find(t.classes.begin(), t.classes.end(), label) == t.classes.end())
        throw std::invalid_argument(fmt::format("{}: label '{}' is not a class of {} ({})", *f.test, label, f.train,
                                                fmt::join(t.classes, ", ")));
  return t;
}

}  // namespace

std::vector<std::string> ucr_classes(const UcrOptions& options) { return read_tables(options).classes; }

void validate(const UcrOptions& o) {
  check_option_rule(!o.path.empty(), o.path, "UcrOptions::path", "empty: give a problem's folder or its _TRAIN file");
  validate(o.arrays);
}

Splits make_ucr_splits(const UcrOptions& o) {
  validate(o);
  const Tables t = read_tables(o);
  int64_t longest = t.train.values.size(2);
  if (t.test) {
    if (t.test->values.size(1) != t.train.values.size(1))
      throw std::invalid_argument(fmt::format("{}: {} dimensions, the training file has {}", o.path,
                                              t.test->values.size(1), t.train.values.size(1)));
    longest = std::max(longest, t.test->values.size(2));
  }
  const auto all_full = [&](const TimeSeriesTable& table) {
    return std::all_of(table.lengths.begin(), table.lengths.end(), [&](int64_t l) { return l == longest; });
  };
  const bool padded = !all_full(t.train) || (t.test && !all_full(*t.test));
  const auto to_set = [&](const TimeSeriesTable& table, const std::string& name) {
    torch::Tensor x = table.values;
    if (x.size(2) < longest)
      x = torch::constant_pad_nd(x, {0, longest - x.size(2)}, std::numeric_limits<double>::quiet_NaN());
    torch::Tensor y;
    if (table.regression()) {
      y = torch::tensor(table.targets, torch::kFloat64).to(torch::kFloat32);
    } else {
      std::vector<int64_t> labels;
      for (const std::string& l : table.labels)
        labels.push_back(std::find(t.classes.begin(), t.classes.end(), l) - t.classes.begin());
      y = torch::tensor(labels, torch::kInt64);
    }
    ArraySet set{StoredArray::from_tensor(name + " (values)", x), StoredArray::from_tensor(name + " (labels)", y),
                 StoredArray()};
    if (padded)
      set.lengths = StoredArray::from_tensor(name + " (lengths)", torch::tensor(table.lengths, torch::kInt64));
    return set;
  };
  const Files& f = t.files;
  ArrayDatasetOptions arrays = o.arrays;
  arrays.target = t.train.regression() ? TargetKind::Regression : TargetKind::Classes;
  if (!t.train.regression()) arrays.classes = static_cast<int64_t>(t.classes.size());
  return make_array_splits("ucr", to_set(t.train, f.train), std::nullopt,
                           t.test ? std::optional<ArraySet>(to_set(*t.test, *f.test)) : std::nullopt, arrays);
}

DatasetType ucr_dataset_type() {
  auto bindings = Bindings<UcrOptions>()
                      .bind("path", &UcrOptions::path,
                            "a problem's folder NAME/ (NAME_TRAIN and NAME_TEST .ts or .tsv) or its _TRAIN file")
                      .nest(&UcrOptions::arrays, array_bindings(/*target_keys=*/false))
                      .validate([](const UcrOptions& o) { validate(o); });
  return bound_dataset_type<UcrOptions>("ucr", "a problem of the UCR/UEA time-series archive (.ts or .tsv files)",
                                        std::move(bindings), make_ucr_splits);
}

}  // namespace longconv::data
