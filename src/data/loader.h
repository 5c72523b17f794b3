// Batches from a Dataset with seeded shuffling and background prefetch, so training never waits on data.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

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
  // Data parallelism: this loader yields only slice `shard_rank` of `shard_count` (shard_range) of every batch, so the
  // ranks of a run together see the batches of a single process.
  int64_t shard_rank = 0;
  int64_t shard_count = 1;
};

// The examples [first, last) of a batch of n that rank `rank` of `count` takes: contiguous, as even as possible (the
// first n % count ranks take one more), possibly empty.
std::pair<int64_t, int64_t> shard_range(int64_t n, int64_t rank, int64_t count);

// Examples in a batch from a sharded loader: 0 for an empty slice, which has no tensors.
inline int64_t local_size(const Batch& batch) { return batch.x.defined() ? batch.size() : 0; }

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t num_batches() const;
  int64_t num_examples() const;
  // Examples in batch b over all shards.
  int64_t batch_examples(int64_t b) const;

  // Starts an epoch (stopping any epoch in flight) at batch `first_batch` (a resumed mid-epoch checkpoint). Batches
  // come out in the same order whatever `workers` is.
  void start_epoch(int64_t epoch, int64_t first_batch = 0);
  // Next batch of the current epoch; false at its end. An exception thrown while loading is rethrown here. A shard
  // whose slice of a batch is empty gets a Batch without tensors (size 0).
  bool next(Batch& batch);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace longconv::data
