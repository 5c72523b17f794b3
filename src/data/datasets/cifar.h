// CIFAR-10 and CIFAR-100 in their binary ("bin") releases: 32x32 RGB images stored as records of label byte(s)
// then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each plane row-major).
//   cifar-10-batches-bin: data_batch_1.bin .. data_batch_5.bin, test_batch.bin; record = label (0..9) + pixels.
//   cifar-100-binary: train.bin, test.bin; record = coarse label (0..19), fine label (0..99) + pixels; the fine
//   label is the class.
#pragma once

#include <cstdint>
#include <string>

#include "data/dataset.h"
#include "data/image_dataset.h"

namespace longconv::data {

// Per-channel statistics for colour images: ccnn (datamodules/cifar10.py, cifar100.py: the true training-set stds)
// or multires (classification.py: (0.2023, 0.1994, 0.2010) stds; CIFAR-10 only).
enum class CifarStats { Ccnn, Multires };

struct CifarOptions {
  std::string data_dir;
  int64_t classes = 10;  // 10 or 100
  // sequence: x [C, 1024] in raster order (sequential CIFAR); image: x [C, 32, 32].
  ImageLayout layout = ImageLayout::Sequence;
  // One channel from PIL's RGB -> L conversion, normalised with mean 122.6/255 and std 61/255 as CCNN's LRA Image
  // loader does.
  bool grayscale = false;
  // Training-time RandomCrop(32, padding=4, symmetric) + horizontal flip (CCNN's `augment`).
  bool augment = false;
  CifarStats stats = CifarStats::Ccnn;
  // Density: pixels rescaled to [-1, 1] for autoregressive modelling as autoregressive.py does ((x - 0.5) * 2;
  // `stats` does not apply), and the task says so.
  Task task = Task::Classification;
  SplitOptions split;
};

// OptionError for classes other than 10 and 100, and for multires statistics on CIFAR-100.
void validate(const CifarOptions& options);

Splits make_cifar_splits(const CifarOptions& options);

struct DatasetType;
DatasetType cifar10_dataset_type();   // dataset.name: cifar10
DatasetType cifar100_dataset_type();  // dataset.name: cifar100

}  // namespace longconv::data
