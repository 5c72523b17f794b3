// Batches from a Dataset with seeded shuffling and background prefetch, so training never waits on data.
#pragma once

#include <cstdint>
#include <memory>

#include "data/dataset.h"

namespace longconv::data {

struct LoaderOptions {
  int64_t batch_size = 32;
  bool shuffle = false;
  bool drop_last = false;
  bool augment = false;  // pass an rng to Dataset::get (training only)
  uint64_t seed = 0;     // epoch e shuffles with a generator seeded from (seed, e)
  int64_t prefetch = 4;  // batches prepared ahead by the background thread(s)
  int64_t workers = 1;   // background threads assembling batches
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t num_batches() const;
  int64_t num_examples() const;

  // Starts an epoch (stopping any epoch in flight) at batch `first_batch` (a resumed mid-epoch checkpoint). Batches
  // come out in the same order whatever `workers` is.
  void start_epoch(int64_t epoch, int64_t first_batch = 0);
  // Next batch of the current epoch; false at its end. An exception thrown while loading is rethrown here.
  bool next(Batch& batch);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace longconv::data
