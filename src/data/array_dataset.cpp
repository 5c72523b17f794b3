#include "data/array_dataset.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "data/registry.h"
#include "util/random.h"

namespace longconv::data {

namespace {

// Scans read this many bytes of an array at a time, so arrays larger than memory stream through.
constexpr int64_t kChunkBytes = int64_t{16} << 20;

bool is_integer(torch::ScalarType t) { return c10::isIntegralType(t, /*includeBool=*/true); }
bool is_token_type(torch::ScalarType t) { return c10::isIntegralType(t, false) && t != torch::kUInt8; }

std::string shape_of(const StoredArray& a) { return fmt::format("[{}]", fmt::join(a.shape(), ", ")); }

// Calls f(first row, rows) over every row of `a`, kChunkBytes at a time.
void for_chunks(const StoredArray& a, const std::function<void(int64_t, const torch::Tensor&)>& f) {
  int64_t row_bytes = static_cast<int64_t>(c10::elementSize(a.dtype()));
  for (int64_t d = 1; d < a.dim(); ++d) row_bytes *= a.size(d);
  const int64_t n = a.size(0), step = std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(1, row_bytes));
  for (int64_t begin = 0; begin < n; begin += step) f(begin, a.rows(begin, std::min(n, begin + step)));
}

// Row of the first entry of `chunk` (rows from `begin`) where `bad` is true, or -1.
int64_t first_bad_row(const torch::Tensor& bad, int64_t begin) {
  if (!bad.any().item<bool>()) return -1;
  return begin + bad.reshape({bad.size(0), -1}).any(1).nonzero()[0][0].item<int64_t>();
}

// What every set must agree on, taken from the training set.
struct ArrayLayout {
  bool tokens = false;
  torch::ScalarType x_type = torch::kFloat32;
  int64_t channels = 1;
  std::vector<int64_t> spatial;  // the axes after the channel one
  bool sequence() const { return spatial.size() == 1; }
  bool flatten = false;  // examples are [C, prod(spatial)]
  TargetKind target = TargetKind::Auto;
  std::vector<int64_t> y_row;  // y's shape after the first axis
  bool y_integer = false;
  bool lengths = false;
};

ArrayLayout layout_of(const std::string& name, const ArraySet& set, TargetKind target) {
  const auto fail = [&](const std::string& what) { return std::invalid_argument(name + ": " + what); };
  ArrayLayout l;
  const StoredArray& x = set.x;
  l.x_type = x.dtype();
  l.tokens = is_token_type(x.dtype()) && x.dim() == 2;
  if (l.tokens) {
    l.spatial = {x.size(1)};
  } else if (x.dim() == 2) {
    l.spatial = {x.size(1)};  // [N, L]: one channel
  } else if (x.dim() >= 3 && x.dim() <= 5) {
    l.channels = x.size(1);
    l.spatial.assign(x.shape().begin() + 2, x.shape().end());
  } else {
    throw fail(fmt::format("{}: x has shape {}; expected [N, C, L], [N, C, H, W], [N, C, D, H, W] or tokens [N, L]",
                           x.origin(), shape_of(x)));
  }
  const StoredArray& y = set.y;
  l.y_row.assign(y.shape().begin() + 1, y.shape().end());
  l.y_integer = is_integer(y.dtype());
  l.lengths = set.lengths.defined();
  if (y.dim() < 1 || y.dim() > 2)
    throw fail(fmt::format("{}: y has shape {}; expected [N] or [N, K]", y.origin(), shape_of(y)));
  const bool per_step_shape = y.dim() == 2 && l.sequence() && y.size(1) == l.spatial[0];
  if (target == TargetKind::Auto)
    target = !l.y_integer     ? TargetKind::Regression
             : y.dim() == 1   ? TargetKind::Classes
             : per_step_shape ? TargetKind::PerStep
                              : TargetKind::MultiLabel;
  l.target = target;
  switch (target) {
    case TargetKind::Classes:
      if (y.dim() != 1 || !l.y_integer)
        throw fail(fmt::format("{}: classes need integer labels y [N], got {} {}", y.origin(), c10::toString(y.dtype()),
                               shape_of(y)));
      break;
    case TargetKind::PerStep:
      if (!per_step_shape || !l.y_integer)
        throw fail(
            fmt::format("{}: per-step labels need integer y [N, L] for sequences x [N, C, L] (L = {}), got {} {}",
                        y.origin(), l.sequence() ? std::to_string(l.spatial[0]) : "none: x is not a sequence",
                        c10::toString(y.dtype()), shape_of(y)));
      break;
    case TargetKind::MultiLabel:
      if (y.dim() != 2)
        throw fail(fmt::format("{}: multi-label targets need y [N, K], got {}", y.origin(), shape_of(y)));
      break;
    case TargetKind::Regression:
    case TargetKind::Auto:
      break;
  }
  if (l.lengths && !l.sequence())
    throw fail(fmt::format("{}: lengths are for sequences, but x has shape {}", set.lengths.origin(), shape_of(x)));
  return l;
}

// The layout examples have: flattened spatial axes are one sequence axis.
std::vector<int64_t> example_spatial(const ArrayLayout& l) {
  if (!l.flatten) return l.spatial;
  int64_t steps = 1;
  for (int64_t d : l.spatial) steps *= d;
  return {steps};
}

void check_set(const std::string& name, const ArraySet& set, const ArrayLayout& train, const std::string& split) {
  const auto fail = [&](const std::string& what) { return std::invalid_argument(name + ": " + what); };
  if (!set.x.defined() || !set.y.defined()) throw fail("the " + split + " set lacks x or y");
  if (set.x.dim() < 1 || set.y.dim() < 1 || set.y.size(0) != set.x.size(0))
    throw fail(fmt::format("{} has shape {} but {} has shape {}: they need the same first axis (examples)",
                           set.y.origin(), shape_of(set.y), set.x.origin(), shape_of(set.x)));
  if (set.x.size(0) == 0) throw fail(set.x.origin() + ": no examples");
  if (set.lengths.defined() &&
      (set.lengths.dim() != 1 || set.lengths.size(0) != set.x.size(0) || !is_integer(set.lengths.dtype())))
    throw fail(fmt::format("{}: lengths must be integers [{}], got {} {}", set.lengths.origin(), set.x.size(0),
                           c10::toString(set.lengths.dtype()), shape_of(set.lengths)));
  const ArrayLayout l = layout_of(name, set, train.target);
  if (l.tokens != train.tokens || l.channels != train.channels || l.spatial != train.spatial)
    throw fail(fmt::format("{} has shape {} ({}), unlike the training set's x ({} channels, {} steps{})",
                           set.x.origin(), shape_of(set.x), c10::toString(set.x.dtype()), train.channels,
                           fmt::join(train.spatial, "x"), train.tokens ? ", tokens" : ""));
  if (l.y_row != train.y_row || l.y_integer != train.y_integer)
    throw fail(fmt::format("{} has shape {} ({}), unlike the training set's y", set.y.origin(), shape_of(set.y),
                           c10::toString(set.y.dtype())));
  if (l.lengths != train.lengths)
    throw fail(fmt::format("the {} set {} lengths but the training set {}", split, l.lengths ? "has" : "lacks",
                           train.lengths ? "has them" : "does not"));
}

// Checks the values of y (and of token x and lengths) of one set; returns the largest class or token seen.
struct Scan {
  int64_t max_label = -1, max_token = -1;
};

Scan scan_set(const std::string& name, const ArraySet& set, const ArrayLayout& l) {
  const auto fail = [&](const StoredArray& a, int64_t row, const std::string& what) {
    return std::invalid_argument(fmt::format("{}: {}: row {}: {}", name, a.origin(), row, what));
  };
  Scan s;
  if (l.target == TargetKind::Classes || l.target == TargetKind::PerStep) {
    for_chunks(set.y, [&](int64_t begin, const torch::Tensor& y) {
      const torch::Tensor v = y.to(torch::kInt64);
      const int64_t bad = first_bad_row(v < 0, begin);
      if (bad >= 0) throw fail(set.y, bad, "negative class label");
      s.max_label = std::max(s.max_label, v.max().item<int64_t>());
    });
  } else if (l.target == TargetKind::MultiLabel) {
    for_chunks(set.y, [&](int64_t begin, const torch::Tensor& y) {
      const torch::Tensor v = y.to(torch::kFloat64);
      const int64_t bad = first_bad_row(v.ne(0).logical_and(v.ne(1)), begin);
      if (bad >= 0) throw fail(set.y, bad, "multi-label targets must be 0 or 1");
    });
  } else {
    for_chunks(set.y, [&](int64_t begin, const torch::Tensor& y) {
      const int64_t bad = first_bad_row(y.to(torch::kFloat64).isfinite().logical_not(), begin);
      if (bad >= 0) throw fail(set.y, bad, "regression target is not finite");
    });
  }
  if (l.tokens)
    for_chunks(set.x, [&](int64_t begin, const torch::Tensor& x) {
      const torch::Tensor v = x.to(torch::kInt64);
      const int64_t bad = first_bad_row(v < 0, begin);
      if (bad >= 0) throw fail(set.x, bad, "negative token");
      s.max_token = std::max(s.max_token, v.max().item<int64_t>());
    });
  if (l.lengths) {
    const int64_t steps = l.spatial[0];
    for_chunks(set.lengths, [&](int64_t begin, const torch::Tensor& lengths) {
      const torch::Tensor v = lengths.to(torch::kInt64);
      const int64_t bad = first_bad_row((v < 1).logical_or(v > steps), begin);
      if (bad >= 0) throw fail(set.lengths, bad, fmt::format("length outside [1, {}]", steps));
    });
  }
  return s;
}

// Numeric x as the model sees it before standardisation: float32 [B, C, ...], uint8 scaled to [0, 1].
torch::Tensor numeric_values(const torch::Tensor& rows, bool one_channel) {
  torch::Tensor x = rows.to(torch::kFloat32);
  if (rows.scalar_type() == torch::kUInt8) x.div_(255.0f);
  return one_channel ? x.unsqueeze(1) : x;
}

// Per-channel mean and population std of the rows `in_train` marks, leaving out NaN and steps past a sequence's
// length. One pass: sums of each value's difference from its channel's first value, in double, which keeps the
// variance exact enough whatever the data's offset.
std::pair<std::vector<double>, std::vector<double>> channel_statistics(const std::string& name, const ArraySet& set,
                                                                       const ArrayLayout& l,
                                                                       const std::vector<bool>& in_train) {
  const auto c = static_cast<size_t>(l.channels);
  std::vector<double> count(c, 0.0), shift(c, 0.0), sum(c, 0.0), sum_sq(c, 0.0);
  std::vector<bool> shifted(c, false);
  const bool one_channel = set.x.dim() == 2;
  for_chunks(set.x, [&](int64_t begin, const torch::Tensor& rows) {
    const torch::Tensor x = numeric_values(rows, one_channel).contiguous();
    const int64_t steps = x[0][0].numel();
    const torch::Tensor lengths =
        l.lengths ? set.lengths.rows(begin, begin + rows.size(0)).to(torch::kInt64) : torch::Tensor();
    const float* data = x.data_ptr<float>();
    for (int64_t b = 0; b < x.size(0); ++b) {
      if (!in_train[static_cast<size_t>(begin + b)]) continue;
      const int64_t valid = lengths.defined() ? lengths[b].item<int64_t>() : steps;
      for (size_t k = 0; k < c; ++k) {
        const float* v = data + (b * l.channels + static_cast<int64_t>(k)) * steps;
        double n = 0, s1 = 0, s2 = 0;
        for (int64_t t = 0; t < valid; ++t) {
          if (std::isnan(v[t])) continue;
          if (!shifted[k]) shift[k] = v[t], shifted[k] = true;
          const double d = v[t] - shift[k];
          n += 1, s1 += d, s2 += d * d;
        }
        count[k] += n, sum[k] += s1, sum_sq[k] += s2;
      }
    }
  });
  std::vector<double> mean(c), stddev(c);
  for (size_t k = 0; k < c; ++k) {
    if (count[k] == 0)
      throw std::invalid_argument(
          fmt::format("{}: {}: channel {} has no value in the training split (all missing)", name, set.x.origin(), k));
    const double m = sum[k] / count[k];
    mean[k] = shift[k] + m;
    stddev[k] = std::sqrt(std::max(0.0, sum_sq[k] / count[k] - m * m));
    if (stddev[k] == 0.0) stddev[k] = 1.0;  // a constant channel only shifts
  }
  return {mean, stddev};
}

// How rows become examples.
struct Encoding {
  ArrayLayout layout;
  bool normalize = false;
  torch::Tensor mean, inv_std;  // float32 [C, 1, ...]
};

class ArrayDataset : public Dataset {
 public:
  ArrayDataset(ArraySet set, std::shared_ptr<const Encoding> encoding)
      : set_(std::move(set)), encoding_(std::move(encoding)) {}

  int64_t size() const override { return set_.x.size(0); }

  Example get(int64_t index, std::mt19937_64*) const override {
    if (index < 0 || index >= size())
      throw std::out_of_range(set_.x.origin() + ": index " + std::to_string(index) + " outside [0, " +
                              std::to_string(size()) + ")");
    const ArrayLayout& l = encoding_->layout;
    Example e;
    if (l.lengths) e.length = set_.lengths.row(index).item<int64_t>();
    const torch::Tensor row = set_.x.rows(index, index + 1);
    if (l.tokens) {
      e.x = row.select(0, 0).to(torch::kInt64);
    } else {
      torch::Tensor x = numeric_values(row, set_.x.dim() == 2).select(0, 0);
      if (encoding_->normalize) x = (x - encoding_->mean) * encoding_->inv_std;
      x.masked_fill_(x.isnan(), 0.0f);
      if (e.length >= 0) x.narrow(-1, e.length, x.size(-1) - e.length).zero_();
      e.x = l.flatten ? x.reshape({l.channels, -1}) : x;
    }
    const torch::Tensor y = set_.y.row(index);
    switch (l.target) {
      case TargetKind::Classes:
      case TargetKind::PerStep:
        e.y = y.to(torch::kInt64);
        break;
      case TargetKind::MultiLabel:
        e.y = y.to(torch::kFloat32);
        break;
      default:
        e.y = y.to(torch::kFloat32).reshape({-1});
    }
    return e;
  }

 private:
  ArraySet set_;
  std::shared_ptr<const Encoding> encoding_;
};

}  // namespace

const EnumNames<TargetKind> kTargetKindNames = {{"auto", TargetKind::Auto},
                                                {"classes", TargetKind::Classes},
                                                {"multi_label", TargetKind::MultiLabel},
                                                {"per_step", TargetKind::PerStep},
                                                {"regression", TargetKind::Regression}};

void validate(const ArrayDatasetOptions& o) {
  validate(o.split);
  check_option(o.test_split, kValSplit, "ArrayDatasetOptions::test_split");
  check_option(o.classes, at_least(1), "ArrayDatasetOptions::classes");
  check_option_rule(o.mean.size() == o.stddev.size(), o.stddev, "ArrayDatasetOptions::stddev",
                    fmt::format("{} stds for {} means: give both, or neither (computed from the training split)",
                                o.stddev.size(), o.mean.size()));
}

Bindings<ArrayDatasetOptions> array_bindings(bool target_keys) {
  using O = ArrayDatasetOptions;
  Bindings<O> b;
  if (target_keys)
    b.bind("target", &O::target, kTargetKindNames,
           "what y holds; auto: integer [N] classes, integer [N, L] per_step labels (L the sequence length), other "
           "integer [N, K] multi_label 0/1, float regression")
        .bind("classes", &O::classes, "number of classes (labels below it); null: the largest label + 1", at_least(1));
  return b
      .bind("normalize", &O::normalize,
            "standardise each input channel with mean/std (computed on the training split when empty)")
      .bind("mean", &O::mean, "per-channel means; empty: the training split's (training stores them here)")
      .bind("std", &O::stddev, "per-channel stds; empty: the training split's (training stores them here)")
      .bind("flatten", &O::flatten, "images [C, H, W] as sequences [C, H * W] in raster order")
      .bind("test_split", &O::test_split, "fraction of the training examples held out for testing without a test set",
            kValSplit)
      .nest(&O::split, split_bindings())
      .validate([](const O& o) { validate(o); });
}

Splits make_array_splits(const std::string& name, const ArraySet& train, const std::optional<ArraySet>& val,
                         const std::optional<ArraySet>& test, const ArrayDatasetOptions& o) {
  validate(o);
  const auto fail = [&](const std::string& what) { return std::invalid_argument(name + ": " + what); };
  if (!train.x.defined() || !train.y.defined()) throw fail("the training set lacks x or y");
  if (train.x.dim() < 1) throw fail(train.x.origin() + ": x has no first axis (examples)");
  ArrayLayout layout = layout_of(name, train, o.target);
  check_set(name, train, layout, "training");
  if (val) check_set(name, *val, layout, "validation");
  if (test) check_set(name, *test, layout, "test");
  layout.flatten = o.flatten;

  Scan scan = scan_set(name, train, layout);
  for (const auto* set : {&val, &test})
    if (*set) {
      const Scan s = scan_set(name, **set, layout);
      scan.max_label = std::max(scan.max_label, s.max_label);
      scan.max_token = std::max(scan.max_token, s.max_token);
    }

  // Held out of the training set: test first, then validation, from one seeded permutation.
  const int64_t n = train.x.size(0);
  const int64_t n_test = test ? 0 : std::llround(static_cast<double>(n) * o.test_split);
  const int64_t n_val = val ? 0 : std::llround(static_cast<double>(n) * o.split.val_split);
  if (!test && n_test == 0)
    throw fail(
        fmt::format("there is no test set and test_split {} of {} training examples holds out none", o.test_split, n));
  if (n_test + n_val >= n)
    throw fail(fmt::format("test_split {} and val_split {} leave no training example of {}", o.test_split,
                           o.split.val_split, n));
  std::mt19937_64 rng(o.split.split_seed);
  const std::vector<int64_t> perm = n_test + n_val > 0 ? permutation(n, rng) : std::vector<int64_t>();
  const auto chunk = [&](int64_t begin, int64_t end) {
    std::vector<int64_t> idx(perm.begin() + begin, perm.begin() + end);
    std::sort(idx.begin(), idx.end());
    return idx;
  };
  std::vector<bool> in_train(static_cast<size_t>(n), true);
  for (int64_t k = 0; k < n_test + n_val; ++k) in_train[static_cast<size_t>(perm[static_cast<size_t>(k)])] = false;

  auto encoding = std::make_shared<Encoding>();
  encoding->layout = layout;
  Splits splits;
  if (!layout.tokens && o.normalize) {
    std::vector<double> mean = o.mean, stddev = o.stddev;
    if (mean.empty()) {
      std::tie(mean, stddev) = channel_statistics(name, train, layout, in_train);
    } else if (static_cast<int64_t>(mean.size()) != layout.channels ||
               static_cast<int64_t>(stddev.size()) != layout.channels) {
      throw fail(
          fmt::format("{} means and {} stds for {} input channels", mean.size(), stddev.size(), layout.channels));
    }
    std::vector<int64_t> shape(layout.spatial.size() + 1, 1);
    shape[0] = layout.channels;
    std::vector<float> inv(stddev.size());
    for (size_t k = 0; k < stddev.size(); ++k) {
      if (!(stddev[k] > 0)) throw fail(fmt::format("std of channel {} must be > 0, got {}", k, stddev[k]));
      inv[k] = static_cast<float>(1.0 / stddev[k]);
    }
    encoding->normalize = true;
    encoding->mean = torch::tensor(mean, torch::kFloat64).to(torch::kFloat32).reshape(shape);
    encoding->inv_std = torch::tensor(inv).reshape(shape);
    splits.info.channel_mean = mean;
    splits.info.channel_std = stddev;
  }

  auto full = std::make_shared<ArrayDataset>(train, encoding);
  if (n_test + n_val > 0) {
    splits.train = std::make_shared<Subset>(full, chunk(n_test + n_val, n));
    if (!test) splits.test = std::make_shared<Subset>(full, chunk(0, n_test));
    if (!val && n_val > 0) splits.val = std::make_shared<Subset>(full, chunk(n_test, n_test + n_val));
  } else {
    splits.train = full;
  }
  if (val) splits.val = std::make_shared<ArrayDataset>(*val, encoding);
  if (test) splits.test = std::make_shared<ArrayDataset>(*test, encoding);

  DatasetInfo& info = splits.info;
  info.d_input = layout.channels;
  info.spatial_shape = example_spatial(layout);
  info.max_length = 1;
  for (int64_t d : layout.spatial) info.max_length *= d;
  if (layout.tokens) info.n_tokens = scan.max_token + 1;
  switch (layout.target) {
    case TargetKind::Classes:
    case TargetKind::PerStep:
      info.task = Task::Classification;
      if (o.classes && scan.max_label >= *o.classes)
        throw fail(fmt::format("label {} is not below classes {}", scan.max_label, *o.classes));
      info.d_output = o.classes.value_or(scan.max_label + 1);
      break;
    case TargetKind::MultiLabel:
      info.task = Task::MultiLabel;
      info.d_output = layout.y_row[0];
      break;
    default:
      info.task = Task::Regression;
      info.d_output = layout.y_row.empty() ? 1 : layout.y_row[0];
  }
  return splits;
}

}  // namespace longconv::data
