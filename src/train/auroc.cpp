#include "train/auroc.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace longconv::train {

std::optional<double> auroc(const torch::Tensor& scores, const torch::Tensor& targets) {
  TORCH_CHECK(scores.dim() == 1 && targets.dim() == 1 && scores.size(0) == targets.size(0),
              "auroc expects scores [N] and targets [N], got ", scores.sizes(), " and ", targets.sizes());
  const torch::Tensor s = scores.to(torch::kCPU, torch::kFloat64).contiguous();
  const torch::Tensor t = targets.to(torch::kCPU, torch::kFloat64).contiguous();
  const double* sp = s.data_ptr<double>();
  const double* tp = t.data_ptr<double>();
  const int64_t n = s.size(0);
  for (int64_t i = 0; i < n; ++i)
    TORCH_CHECK(tp[i] == 0.0 || tp[i] == 1.0, "auroc: target ", tp[i], " of example ", i, " is not 0 or 1");

  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return sp[a] < sp[b]; });
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  double positive_rank_sum = 0.0;
  int64_t positives = 0;
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    while (j < n && sp[order[j]] == sp[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
    for (int64_t k = i; k < j; ++k)
      if (tp[order[k]] == 1.0) {
        positive_rank_sum += rank;
        ++positives;
      }
    i = j;
  }
  const int64_t negatives = n - positives;
  if (positives == 0 || negatives == 0) return std::nullopt;
  const double p = static_cast<double>(positives);
  return (positive_rank_sum - p * (p + 1) / 2) / (p * static_cast<double>(negatives));
}

std::optional<double> macro_auroc(const torch::Tensor& scores, const torch::Tensor& targets) {
  TORCH_CHECK(scores.dim() == 2 && scores.sizes() == targets.sizes(),
              "macro_auroc expects scores [N, K] and targets of the same shape, got ", scores.sizes(), " and ",
              targets.sizes());
  double sum = 0.0;
  int64_t labels = 0;
  for (int64_t k = 0; k < scores.size(1); ++k)
    if (const auto a = auroc(scores.select(1, k), targets.select(1, k))) {
      sum += *a;
      ++labels;
    }
  if (labels == 0) return std::nullopt;
  return sum / static_cast<double>(labels);
}

}  // namespace longconv::train
