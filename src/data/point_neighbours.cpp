#include "data/point_neighbours.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>
#include <vector>

#include <nanoflann.hpp>

namespace longconv::data {
namespace {

using Point = std::array<double, 3>;

double squared_distance(const Point& a, const Point& b) {
  double d = 0;
  for (int c = 0; c < 3; ++c) d += (a[c] - b[c]) * (a[c] - b[c]);
  return d;
}

// nanoflann's dataset adaptor over the points.
struct Cloud {
  const std::vector<Point>& points;
  size_t kdtree_get_point_count() const { return points.size(); }
  double kdtree_get_pt(size_t i, size_t dim) const { return points[i][dim]; }
  template <class Box>
  bool kdtree_get_bbox(Box&) const {
    return false;
  }
};

// (distance, index) pairs of a row, nearest first, ties by index.
void write_row(std::vector<std::pair<double, int64_t>>& row, int64_t k, int64_t* out) {
  std::partial_sort(row.begin(), row.begin() + k, row.end());
  for (int64_t j = 0; j < k; ++j) out[j] = row[static_cast<size_t>(j)].second;
}

}  // namespace

const EnumNames<NeighbourSearch> kNeighbourSearchNames = {
    {"auto", NeighbourSearch::Auto}, {"all_pairs", NeighbourSearch::AllPairs}, {"kd_tree", NeighbourSearch::KdTree}};

torch::Tensor sorted_neighbours(const torch::Tensor& pos, int64_t k, NeighbourSearch search) {
  TORCH_CHECK(pos.dim() == 2 && pos.size(1) == 3, "sorted_neighbours expects positions [N, 3], got ", pos.sizes());
  const int64_t n = pos.size(0);
  TORCH_CHECK(n < (int64_t{1} << 31), "sorted_neighbours: ", n, " points are too many");
  TORCH_CHECK(k >= 1 && k <= n, "sorted_neighbours: k = ", k, " must be in [1, ", n, "] (the cloud's points)");
  const auto p = pos.to(torch::kFloat64).contiguous();
  const double* data = p.data_ptr<double>();
  std::vector<Point> points(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) points[static_cast<size_t>(i)] = {data[3 * i], data[3 * i + 1], data[3 * i + 2]};

  torch::Tensor out = torch::empty({n, k}, torch::kInt64);
  int64_t* o = out.data_ptr<int64_t>();
  std::vector<std::pair<double, int64_t>> row;
  if (search == NeighbourSearch::Auto) search = 2 * k <= n ? NeighbourSearch::KdTree : NeighbourSearch::AllPairs;
  if (search == NeighbourSearch::AllPairs) {
    row.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j)
        row[static_cast<size_t>(j)] = {squared_distance(points[static_cast<size_t>(i)], points[static_cast<size_t>(j)]),
                                       j};
      write_row(row, k, o + i * k);
    }
    return out;
  }
  const Cloud cloud{points};
  using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<double, Cloud, double, uint32_t>, Cloud,
                                                   3, uint32_t>;
  const Tree tree(3, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(10));  // builds the index
  std::vector<uint32_t> indices(static_cast<size_t>(k));
  std::vector<double> distances(static_cast<size_t>(k));
  row.resize(static_cast<size_t>(k));
  for (int64_t i = 0; i < n; ++i) {
    const size_t found =
        tree.knnSearch(points[static_cast<size_t>(i)].data(), static_cast<size_t>(k), indices.data(), distances.data());
    TORCH_CHECK(static_cast<int64_t>(found) == k, "k-d tree returned ", found, " of ", k, " neighbours");
    // The tree's distances are summed like squared_distance; recomputed anyway, so both searches rank on equal values.
    for (int64_t j = 0; j < k; ++j) {
      const auto index = static_cast<int64_t>(indices[static_cast<size_t>(j)]);
      row[static_cast<size_t>(j)] = {
          squared_distance(points[static_cast<size_t>(i)], points[static_cast<size_t>(index)]), index};
    }
    write_row(row, k, o + i * k);
  }
  return out;
}

}  // namespace longconv::data
