// STL-10 in its binary release (stl10_binary): train_X.bin / test_X.bin hold 96x96 RGB images as uint8, each image
// channel after channel, each channel column-major (MATLAB order); train_y.bin / test_y.bin one label byte 1..10
// per image. The unlabeled split is not read.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "data/image_dataset.h"

namespace longconv::data {

struct Stl10Options {
  std::string data_dir;
  // Images are resized (bilinear, rounded to uint8 as PIL does) to size x size; CCNN trains at 256. 96 keeps them.
  int64_t size = 256;
  // CCNN's training augmentation: resize to (size * 17/16)^2 (272 for 256), rotate by a uniform angle in
  // [-15, 15] degrees (nearest, black fill), random crop size x size, horizontal flip with probability 1/2.
  bool augment = false;
  ImageLayout layout = ImageLayout::Image;  // image: x [3, size, size]; sequence: x [3, size * size]
  SplitOptions split;                       // CCNN: 4500 / 500
};
extern const Constraint kStl10Size;  // >= 1
void validate(const Stl10Options& options);

// Normalised with CCNN's per-channel statistics (0.44671097, 0.4398105, 0.4066468) / (0.2603405, 0.25657743,
// 0.27126738).
Splits make_stl10_splits(const Stl10Options& options);

struct DatasetType;
DatasetType stl10_dataset_type();  // dataset.name: stl10

}  // namespace longconv::data
