// MNIST-family datasets (MNIST, Fashion-MNIST): grey 28x28 images in 10 classes, stored as the same four IDX files
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each
// optionally .gz) in one directory.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "util/enum_names.h"

namespace longconv::data {

// Pixel statistics of the training sets, after scaling to [0, 1].
inline constexpr double kMnistMean = 0.1307, kMnistStd = 0.3081;
inline constexpr double kFashionMnistMean = 0.2860, kFashionMnistStd = 0.3530;

// sequence: x [1, 784] row-major; permuted: the same with positions shuffled by a fixed permutation drawn from
// permutation_seed (shared by all splits); image: x [1, 28, 28].
enum class MnistLayout { Sequence, Permuted, Image };
extern const EnumNames<MnistLayout> kMnistLayoutNames;  // sequence, permuted, image

struct MnistOptions {
  std::string data_dir;
  MnistLayout layout = MnistLayout::Sequence;
  uint64_t permutation_seed = 0;
  bool normalize = true;  // x = (pixel / 255 - mean) / stddev, else pixel / 255
  double mean = kMnistMean;
  double stddev = kMnistStd;
  // Density: pixels for a discretized logistic mixture, x = (pixel / 255 - 0.5) * 2 in [-1, 1] (autoregressive.py's
  // rescaling; `normalize` does not apply), and the task says so.
  Task task = Task::Classification;
  SplitOptions split;  // the validation split is held out of the training file
};

// Loads the four files once (kept as uint8; examples are converted to float on access). test is the t10k files.
Splits make_mnist_splits(const MnistOptions& options);

struct DatasetType;
DatasetType fashion_mnist_dataset_type();  // dataset.name: fashion_mnist
DatasetType mnist_dataset_type();          // dataset.name: mnist

}  // namespace longconv::data
