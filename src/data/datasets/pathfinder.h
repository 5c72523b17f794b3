// LRA Pathfinder in the lra_release layout: <data_dir>/pathfinder<R>/<difficulty dir>/metadata/<n>.npy (text
// despite the name: one line per image, "imgs/<n> sample_<k>.png <index> <label> ...") and the grey R x R PNGs
// <difficulty dir>/imgs/<n>/sample_<k>.png. Difficulty dirs: curv_baseline (easy), curv_contour_length_9
// (intermediate), curv_contour_length_14 (hard). Label 1: the two dots are connected.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "data/image_dataset.h"

namespace longconv::data {

enum class PathfinderDifficulty { Easy, Intermediate, Hard };
extern const EnumNames<PathfinderDifficulty> kPathfinderDifficultyNames;  // "easy", "intermediate", "hard"

struct PathfinderOptions {
  std::string data_dir;  // the directory holding pathfinder32/ (lra_release)
  int64_t resolution = 32;
  PathfinderDifficulty difficulty = PathfinderDifficulty::Hard;
  ImageLayout layout = ImageLayout::Sequence;  // sequence: x [1, R * R]; image: x [1, R, R]
  // CCNN's split of the one image set: random_split into train / val (int(val_split * N)) / test
  // (int(test_split * N)), here with our seeded permutation (split.split_seed).
  SplitOptions split;
  double test_split = 0.1;
};
void validate(const PathfinderOptions& options);

// The folder of a difficulty: curv_baseline, curv_contour_length_9, curv_contour_length_14.
std::string pathfinder_difficulty_dir(PathfinderDifficulty difficulty);

// Pixels are scaled to [0, 1] without standardisation, as CCNN's loader (ToTensor only) does.
Splits make_pathfinder_splits(const PathfinderOptions& options);

struct DatasetType;
DatasetType pathfinder_dataset_type();  // dataset.name: pathfinder

}  // namespace longconv::data
