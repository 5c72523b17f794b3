#include <gtest/gtest.h>

#include <thread>

#include "util/threads.h"

TEST(Threads, DefaultsToEveryCore) {
  const int n = longconv::init_threads();
  EXPECT_EQ(n, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  EXPECT_EQ(at::get_num_threads(), n);
  EXPECT_EQ(longconv::init_threads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
}
