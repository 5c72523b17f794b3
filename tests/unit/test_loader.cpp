#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <set>
#include <thread>

#include "data/loader.h"

using namespace longconv::data;

namespace {

// x = [index, augmentation draw or -1] (int64), y = index. Optionally slow, or throwing at one index.
class Probe : public Dataset {
 public:
  explicit Probe(int64_t n, int64_t throw_at = -1, std::chrono::microseconds delay = {})
      : n_(n), throw_at_(throw_at), delay_(delay) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i, std::mt19937_64* rng) const override {
    if (i == throw_at_) throw std::runtime_error("probe: broken example " + std::to_string(i));
    // Uneven delays make workers finish out of order.
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_ * (1 + i % 3));
    const int64_t draw = rng ? static_cast<int64_t>((*rng)() >> 1) : -1;
    return {torch::tensor({i, draw}, torch::kInt64), torch::scalar_tensor(i, torch::kInt64), -1};
  }

 private:
  int64_t n_, throw_at_;
  std::chrono::microseconds delay_;
};

// Every batch of one epoch, as (y, x) in order.
std::vector<torch::Tensor> epoch_batches(DataLoader& loader, int64_t epoch) {
  loader.start_epoch(epoch);
  std::vector<torch::Tensor> out;
  Batch b;
  while (loader.next(b)) out.push_back(b.x);
  return out;
}

std::vector<int64_t> indices(const std::vector<torch::Tensor>& xs) {
  std::vector<int64_t> out;
  for (const auto& x : xs)
    for (int64_t i = 0; i < x.size(0); ++i) out.push_back(x[i][0].item<int64_t>());
  return out;
}

LoaderOptions shuffled(int64_t batch_size, int64_t workers) {
  LoaderOptions o;
  o.batch_size = batch_size;
  o.shuffle = true;
  o.seed = 5;
  o.workers = workers;
  o.prefetch = 2;
  return o;
}

}  // namespace

TEST(Loader, EpochCoversDatasetOnce) {
  DataLoader loader(std::make_shared<Probe>(50), shuffled(7, 2));
  EXPECT_EQ(loader.num_batches(), 8);
  EXPECT_EQ(loader.num_examples(), 50);
  const auto xs = epoch_batches(loader, 0);
  ASSERT_EQ(xs.size(), 8u);
  EXPECT_EQ(xs.back().size(0), 1);
  auto idx = indices(xs);
  EXPECT_NE(idx, [] {
    std::vector<int64_t> v(50);
    std::iota(v.begin(), v.end(), 0);
    return v;
  }());
  std::sort(idx.begin(), idx.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(idx[i], i);
}

TEST(Loader, UnshuffledIsInOrder) {
  LoaderOptions o;
  o.batch_size = 4;
  o.workers = 3;
  DataLoader loader(std::make_shared<Probe>(10), o);
  EXPECT_EQ(indices(epoch_batches(loader, 3)), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Loader, OrderDependsOnSeedAndEpochOnly) {
  auto data = std::make_shared<Probe>(40);
  DataLoader a(data, shuffled(8, 1)), b(data, shuffled(8, 1));
  const auto e0 = indices(epoch_batches(a, 0));
  EXPECT_EQ(indices(epoch_batches(b, 0)), e0);
  EXPECT_NE(indices(epoch_batches(a, 1)), e0);
  EXPECT_EQ(indices(epoch_batches(a, 0)), e0);  // replaying an epoch replays its order
  LoaderOptions other = shuffled(8, 1);
  other.seed = 6;
  DataLoader c(data, other);
  EXPECT_NE(indices(epoch_batches(c, 0)), e0);
}

TEST(Loader, WorkerCountDoesNotChangeBatches) {
  auto data = std::make_shared<Probe>(60, -1, std::chrono::microseconds(200));
  LoaderOptions o1 = shuffled(5, 1), o3 = shuffled(5, 3);
  o1.augment = o3.augment = true;
  DataLoader one(data, o1), three(data, o3);
  for (int64_t epoch : {0, 1}) {
    const auto a = epoch_batches(one, epoch), b = epoch_batches(three, epoch);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "epoch " << epoch << " batch " << i;
  }
}

TEST(Loader, AugmentationRngIsPerSeedEpochIndex) {
  auto data = std::make_shared<Probe>(20);
  LoaderOptions o = shuffled(20, 2);
  DataLoader plain(data, o);
  const auto x = epoch_batches(plain, 0).at(0);
  EXPECT_TRUE(torch::all(x.select(1, 1) == -1).item<bool>());  // no augmentation: null rng

  o.augment = true;
  DataLoader aug(data, o);
  // Draw for each dataset index, whatever its position in the epoch.
  const auto draws = [&](int64_t epoch) {
    const auto b = epoch_batches(aug, epoch).at(0);
    std::vector<int64_t> d(20);
    for (int64_t i = 0; i < 20; ++i) d[b[i][0].item<int64_t>()] = b[i][1].item<int64_t>();
    return d;
  };
  const auto d0 = draws(0);
  EXPECT_EQ(draws(0), d0);
  EXPECT_NE(draws(1), d0);
  EXPECT_EQ(std::set<int64_t>(d0.begin(), d0.end()).size(), 20u);  // independent streams per index
}

TEST(Loader, DropLast) {
  LoaderOptions o = shuffled(7, 2);
  o.drop_last = true;
  DataLoader loader(std::make_shared<Probe>(50), o);
  EXPECT_EQ(loader.num_batches(), 7);
  EXPECT_EQ(loader.num_examples(), 49);
  const auto xs = epoch_batches(loader, 0);
  ASSERT_EQ(xs.size(), 7u);
  for (const auto& x : xs) EXPECT_EQ(x.size(0), 7);
}

TEST(Loader, EmptyDatasetHasNoBatches) {
  DataLoader loader(std::make_shared<Probe>(0), shuffled(4, 2));
  EXPECT_EQ(loader.num_batches(), 0);
  EXPECT_TRUE(epoch_batches(loader, 0).empty());
}

TEST(Loader, WorkerExceptionSurfacesInNext) {
  LoaderOptions o;
  o.batch_size = 5;
  o.workers = 3;
  DataLoader loader(std::make_shared<Probe>(40, 23), o);
  loader.start_epoch(0);
  Batch b;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(loader.next(b));  // batches before the broken one arrive intact
  try {
    loader.next(b);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "probe: broken example 23");
  }
  EXPECT_TRUE(loader.next(b));  // later batches are still served
  EXPECT_EQ(b.x[0][0].item<int64_t>(), 25);
}

TEST(Loader, RestartMidEpochAndEarlyDestruction) {
  auto data = std::make_shared<Probe>(300, -1, std::chrono::microseconds(300));
  LoaderOptions o = shuffled(10, 3);
  DataLoader fresh(data, o);
  const auto expected = indices(epoch_batches(fresh, 1));
  const auto start = std::chrono::steady_clock::now();
  {
    DataLoader loader(data, o);
    loader.start_epoch(0);
    Batch b;
    ASSERT_TRUE(loader.next(b));
    EXPECT_EQ(indices(epoch_batches(loader, 1)), expected);  // restart abandons epoch 0 cleanly
    loader.start_epoch(2);
    ASSERT_TRUE(loader.next(b));
  }  // destroyed with epoch 2 in flight
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Loader, RejectsBadUse) {
  auto data = std::make_shared<Probe>(4);
  LoaderOptions o;
  o.batch_size = 0;
  EXPECT_THROW(DataLoader(data, o), std::invalid_argument);
  EXPECT_THROW(DataLoader(nullptr, LoaderOptions{}), std::invalid_argument);
  DataLoader loader(data, LoaderOptions{});
  Batch b;
  EXPECT_THROW(loader.next(b), std::logic_error);
}
