#include <dlfcn.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <thread>

#include "util/runtime.h"

TEST(Runtime, DefaultsToEveryCore) {
  const int n = longconv::init_runtime();
  EXPECT_EQ(n, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  EXPECT_EQ(at::get_num_threads(), n);
  EXPECT_EQ(longconv::init_runtime(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  longconv::init_runtime();
}

// The executables link tcmalloc (CMake LONGCONV_TCMALLOC): malloc must be tcmalloc's, not glibc's, which a linker
// dropping the unreferenced library (--as-needed) would leave in place.
TEST(Runtime, MallocIsTcmallocWhereLinked) {
#ifdef LONGCONV_TCMALLOC_LINKED
  EXPECT_NE(dlsym(RTLD_DEFAULT, "tc_malloc"), nullptr);
  EXPECT_EQ(dlsym(RTLD_DEFAULT, "malloc"), dlsym(RTLD_DEFAULT, "tc_malloc"));
#else
  GTEST_SKIP() << "built with -DLONGCONV_TCMALLOC=OFF";
#endif
}

#ifdef __GLIBC__
// init_runtime's settings for glibc's malloc, where it serves the process (a program of the user's).
TEST(Runtime, LargeTensorsComeFromTheHeapNotMmap) {
  if (dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr) GTEST_SKIP() << "tcmalloc serves malloc in this process";
  longconv::init_runtime();
  const auto before = mallinfo2().hblks;
  auto big = torch::empty({64 << 20}, torch::kByte);  // 64 MB, far above malloc's default mmap threshold
  EXPECT_EQ(mallinfo2().hblks, before);
  big = torch::Tensor();
}
#endif

// The guard's effect, seen through OpenBLAS's own API where OpenBLAS is the BLAS in use (skipped elsewhere).
TEST(Runtime, SingleThreadedBlasSetsOneThreadAndRestores) {
  using Set = void (*)(int);
  using Get = int (*)();
  const auto set = reinterpret_cast<Set>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  const auto get = reinterpret_cast<Get>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (set == nullptr || get == nullptr) GTEST_SKIP() << "the BLAS in use is not OpenBLAS";
  const int before = get();
  set(2);
  {
    longconv::SingleThreadedBlas outer;
    EXPECT_EQ(get(), 1);
    {
      longconv::SingleThreadedBlas inner;
      EXPECT_EQ(get(), 1);
    }
    EXPECT_EQ(get(), 1);  // the outer guard still holds
  }
  EXPECT_EQ(get(), 2);
  set(before);
}
