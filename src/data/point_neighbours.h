// Exact k nearest neighbours of every point of a cloud, the data-pipeline half of the point convs (the reference's
// PreprocessDistances sorts all N points by torch.cdist; the convs read only the first kernel.num_edges of a row).
// Squared distances are summed in double in coordinate order by both searches, and ties go to the lower index, so
// both give the same rows (a tie AT the k-th place may differ; the reference's unstable sort leaves tie order
// undefined too). Measured here (bench/bench_point_ccnn.cpp, one thread, random clouds), all pairs / k-d tree:
// k = 256 of N = 512: 18.8 / 17.0 ms, of 1024: 58 / 43 ms, of 2048: 172 / 95 ms; the full sort (k = N) of 512:
// 27 / 33 ms, of 2048: 552 / 1547 ms. Auto takes the k-d tree for k <= N / 2 and all pairs above.
#pragma once

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "util/enum_names.h"

namespace longconv::data {

enum class NeighbourSearch {
  Auto,      // whichever measured faster for this k and N
  AllPairs,  // every distance, then a partial sort of each row: O(N^2 + N k log k)
  KdTree,    // nanoflann k-d tree: O(N log N) build, O(k log N) per query
};
extern const EnumNames<NeighbourSearch> kNeighbourSearchNames;  // auto, all_pairs, kd_tree

// pos [N, 3] (float or double) -> [N, k] int64: row i holds the k points nearest to i, nearest first (i itself first).
torch::Tensor sorted_neighbours(const torch::Tensor& pos, int64_t k, NeighbourSearch search = NeighbourSearch::Auto);

}  // namespace longconv::data
