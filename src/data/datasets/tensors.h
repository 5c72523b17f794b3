// `dataset.name: tensors`: the user's own arrays, as a Python user writes them in one line: x, y and optional lengths
// (see data/array_dataset.h for their shapes) in
//   - a safetensors file (safetensors.numpy.save_file / safetensors.torch.save_file),
//   - a NumPy .npz (np.savez, np.savez_compressed),
//   - a directory of x.npy, y.npy (lengths.npy) (np.save),
// or a directory with one such file or directory per split: train.{safetensors,npz} or train/, and optionally val.*
// and test.* (held out of train when missing). safetensors files, .npy files and np.savez members are read in place
// from memory maps, so data larger than memory trains; np.savez_compressed members are inflated into memory.
#pragma once

#include <string>

#include "data/array_dataset.h"
#include "data/dataset.h"

namespace longconv::data {

struct TensorsOptions {
  std::string path;  // file or directory
  ArrayDatasetOptions arrays;
};

// OptionError for an empty path or bad array options.
void validate(const TensorsOptions& options);

// std::runtime_error / std::invalid_argument naming the file and array for a missing or malformed file, an unknown
// array name, or arrays that disagree (data/array_dataset.h).
Splits make_tensors_splits(const TensorsOptions& options);

// The arrays x, y, lengths of one file (.safetensors, .npz) or directory of .npy files, read in place where the
// format allows. Other array names are refused.
ArraySet read_array_set(const std::string& path);

struct DatasetType;
DatasetType tensors_dataset_type();  // dataset.name: tensors

}  // namespace longconv::data
