// LRA Pathfinder in the lra_release layout: <data_dir>/pathfinder<R>/<difficulty dir>/metadata/<n>.npy (text
// despite the name: one line per image, "imgs/<n> sample_<k>.png <index> <label> ...") and the grey R x R PNGs
// <difficulty dir>/imgs/<n>/sample_<k>.png. Difficulty dirs: curv_baseline (easy), curv_contour_length_9
// (intermediate), curv_contour_length_14 (hard). Label 1: the two dots are connected.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"

namespace longconv::data {

struct PathfinderOptions {
  std::string data_dir;  // the directory holding pathfinder32/ (lra_release)
  int64_t resolution = 32;
  std::string difficulty = "hard";  // easy | intermediate | hard
  std::string layout = "sequence";  // sequence: x [1, R * R]; image: x [1, R, R]
  // CCNN's split of the one image set: random_split into train / val (int(val_split * N)) / test
  // (int(test_split * N)), here with our seeded permutation.
  double val_split = 0.1, test_split = 0.1;
  uint64_t split_seed = 42;
};

// The difficulty dir of "easy", "intermediate" or "hard"; std::invalid_argument for anything else.
std::string pathfinder_difficulty_dir(const std::string& difficulty);

// Pixels are scaled to [0, 1] without standardisation, as CCNN's loader (ToTensor only) does.
Splits make_pathfinder_splits(const PathfinderOptions& options);

}  // namespace longconv::data
