// Every test of the golden tier reads ../shared/golden (the official code's vectors): without it they skip, saying
// why. CMake refuses to configure without it when CI is set (LONGCONV_REQUIRE_GOLDEN).
#include <filesystem>

#include <gtest/gtest.h>

namespace {

class GoldenDirectory : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!std::filesystem::is_directory(LONGCONV_GOLDEN_DIR))
      GTEST_SKIP() << "golden directory " << LONGCONV_GOLDEN_DIR
                   << " not found: golden tests skipped (configure with -DLONGCONV_GOLDEN_DIR=...)";
  }
};

const auto* const kGoldenDirectory = ::testing::AddGlobalTestEnvironment(new GoldenDirectory);

}  // namespace
