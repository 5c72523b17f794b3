// The safetensors reader on a file the official code's tooling wrote.
#include <cmath>

#include <gtest/gtest.h>

#include "io/safetensors.h"

TEST(GoldenFiles, SafetensorsReadsAWaveletCase) {
  const auto golden = longconv::io::read_safetensors(LONGCONV_GOLDEN_DIR "/multires/layer_wavelet_haar.safetensors");
  const torch::Tensor& lo = golden.tensors.at("wavelet.dec_lo");
  EXPECT_EQ(lo.scalar_type(), torch::kDouble);
  ASSERT_EQ(lo.sizes(), (std::vector<int64_t>{2}));
  EXPECT_NEAR(lo[0].item<double>(), std::sqrt(0.5), 1e-15);
  EXPECT_NEAR(lo[1].item<double>(), std::sqrt(0.5), 1e-15);
  EXPECT_EQ(golden.metadata.count("config"), 1u);
}
