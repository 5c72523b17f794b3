#include "data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "util/random.h"

namespace longconv::data {

// Workers claim batch numbers in order and park finished batches in `ready`; next() hands them out by number, so
// the order never depends on which worker finished first. A worker may only claim a batch fewer than `prefetch`
// ahead of the consumer, which bounds memory. start_epoch() bumps `generation`, so batches of an abandoned epoch
// that are still being assembled are dropped when they finish.
struct DataLoader::State {
  struct Result {
    Batch batch;
    std::exception_ptr error;
  };

  std::shared_ptr<const Dataset> dataset;
  LoaderOptions opt;
  int64_t n_batches = 0;

  std::mutex mu;
  std::condition_variable work_cv;   // workers: work available or stop
  std::condition_variable ready_cv;  // consumer: a batch arrived
  bool stop = false;
  bool started = false;
  uint64_t generation = 0;
  int64_t epoch = 0;
  std::shared_ptr<const std::vector<int64_t>> order;  // shared so abandoned in-flight work keeps its epoch's order
  int64_t next_claim = 0;
  int64_t next_out = 0;
  std::map<int64_t, Result> ready;
  std::vector<std::thread> threads;

  Batch assemble(const std::vector<int64_t>& ord, int64_t ep, int64_t b) const {
    const auto n = static_cast<int64_t>(ord.size());
    const int64_t first = b * opt.batch_size;
    const auto [begin_in, end_in] = shard_range(std::min(opt.batch_size, n - first), opt.shard_rank, opt.shard_count);
    const int64_t begin = first + begin_in;
    const int64_t end = first + end_in;
    if (begin == end) return {};
    std::vector<Example> examples;
    examples.reserve(static_cast<size_t>(end - begin));
    for (int64_t i = begin; i < end; ++i) {
      const int64_t index = ord[static_cast<size_t>(i)];
      if (opt.augment) {
        std::mt19937_64 rng(mix_seed(opt.seed, static_cast<uint64_t>(ep), static_cast<uint64_t>(index)));
        examples.push_back(dataset->get(index, &rng));
      } else {
        examples.push_back(dataset->get(index, nullptr));
      }
    }
    return dataset->collate(examples);
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    work_cv.notify_all();
    for (auto& t : threads) t.join();
  }

  void work() {
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
      work_cv.wait(lock,
                   [&] { return stop || (started && next_claim < n_batches && next_claim < next_out + opt.prefetch); });
      if (stop) return;
      const int64_t b = next_claim++;
      const uint64_t gen = generation;
      const int64_t ep = epoch;
      const auto ord = order;
      lock.unlock();
      Result result;
      try {
        result.batch = assemble(*ord, ep, b);
      } catch (...) {
        result.error = std::current_exception();
      }
      lock.lock();
      if (gen == generation) {
        ready.emplace(b, std::move(result));
        ready_cv.notify_all();
      }
    }
  }
};

std::pair<int64_t, int64_t> shard_range(int64_t n, int64_t rank, int64_t count) {
  const int64_t base = n / count;
  const int64_t extra = n % count;
  const int64_t begin = rank * base + std::min(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions options)
    : state_(std::make_unique<State>()) {
  if (!dataset) throw std::invalid_argument("DataLoader: null dataset");
  if (options.batch_size < 1)
    throw std::invalid_argument("DataLoader: batch_size must be >= 1, got " + std::to_string(options.batch_size));
  if (options.prefetch < 1)
    throw std::invalid_argument("DataLoader: prefetch must be >= 1, got " + std::to_string(options.prefetch));
  if (options.shard_count < 1 || options.shard_rank < 0 || options.shard_rank >= options.shard_count)
    throw std::invalid_argument("DataLoader: shard " + std::to_string(options.shard_rank) + " of " +
                                std::to_string(options.shard_count) + " does not exist");
  if (options.workers < 1)
    throw std::invalid_argument("DataLoader: workers must be >= 1, got " + std::to_string(options.workers));
  State& s = *state_;
  s.dataset = std::move(dataset);
  s.opt = options;
  const int64_t n = s.dataset->size();
  s.n_batches = s.opt.drop_last ? n / s.opt.batch_size : (n + s.opt.batch_size - 1) / s.opt.batch_size;
  s.threads.reserve(static_cast<size_t>(s.opt.workers));
  try {
    for (int64_t i = 0; i < s.opt.workers; ++i) s.threads.emplace_back([&s] { s.work(); });
  } catch (...) {
    s.shutdown();  // the destructor will not run, and joinable threads would abort the process
    throw;
  }
}

DataLoader::~DataLoader() { state_->shutdown(); }

int64_t DataLoader::num_batches() const { return state_->n_batches; }

int64_t DataLoader::num_examples() const {
  const int64_t n = state_->dataset->size();
  return state_->opt.drop_last ? state_->n_batches * state_->opt.batch_size : n;
}

int64_t DataLoader::batch_examples(int64_t b) const {
  return std::min(state_->opt.batch_size, state_->dataset->size() - b * state_->opt.batch_size);
}

void DataLoader::start_epoch(int64_t epoch, int64_t first_batch) {
  State& s = *state_;
  const int64_t n = s.dataset->size();
  std::vector<int64_t> order;
  if (s.opt.shuffle) {
    std::mt19937_64 gen(mix_seed(s.opt.seed, static_cast<uint64_t>(epoch)));
    order = permutation(n, gen);
  } else {
    order.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  }
  {
    std::lock_guard<std::mutex> lock(s.mu);
    ++s.generation;
    s.started = true;
    s.epoch = epoch;
    s.order = std::make_shared<const std::vector<int64_t>>(std::move(order));
    s.next_claim = std::clamp<int64_t>(first_batch, 0, s.n_batches);
    s.next_out = s.next_claim;
    s.ready.clear();
  }
  s.work_cv.notify_all();
}

bool DataLoader::next(Batch& batch) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  if (!s.started) throw std::logic_error("DataLoader: next() called before start_epoch()");
  if (s.next_out >= s.n_batches) return false;
  s.ready_cv.wait(lock, [&] { return s.ready.count(s.next_out) > 0; });
  auto it = s.ready.find(s.next_out);
  State::Result result = std::move(it->second);
  s.ready.erase(it);
  ++s.next_out;
  lock.unlock();
  s.work_cv.notify_all();
  if (result.error) std::rethrow_exception(result.error);
  batch = std::move(result.batch);
  return true;
}

}  // namespace longconv::data
