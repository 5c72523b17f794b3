// MFCC against a direct evaluation of the formulas: O(N^2) DFT, explicit triangles, explicit DCT-II.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "data/mfcc.h"

using namespace longconv::data;

namespace {

std::vector<double> direct_mfcc_frame(const std::vector<double>& x, int64_t frame) {
  const int n_fft = 200, hop = 100, pad = 100, n_freqs = 101, n_mels = 64, n_mfcc = 20;
  const auto T = static_cast<int64_t>(x.size());
  std::vector<double> power(n_freqs);
  for (int f = 0; f < n_freqs; ++f) {
    std::complex<double> sum = 0;
    for (int n = 0; n < n_fft; ++n) {
      int64_t j = frame * hop + n - pad;  // reflect padding
      if (j < 0) j = -j;
      if (j >= T) j = 2 * (T - 1) - j;
      const double w = 0.5 - 0.5 * std::cos(2 * M_PI * n / n_fft);
      sum += x[j] * w * std::polar(1.0, -2 * M_PI * f * n / n_fft);
    }
    power[f] = std::norm(sum);
  }
  const auto mel = [](double hz) { return 2595 * std::log10(1 + hz / 700); };
  std::vector<double> hz(n_mels + 2);
  for (int j = 0; j < n_mels + 2; ++j) {
    const double m = mel(0) + j * (mel(8000) - mel(0)) / (n_mels + 1);
    hz[j] = 700 * (std::pow(10, m / 2595) - 1);
  }
  std::vector<double> log_mel(n_mels);
  for (int m = 0; m < n_mels; ++m) {
    double sum = 0;
    for (int f = 0; f < n_freqs; ++f) {
      const double freq = f * 8000.0 / 100;
      const double rise = (freq - hz[m]) / (hz[m + 1] - hz[m]), fall = (hz[m + 2] - freq) / (hz[m + 2] - hz[m + 1]);
      sum += power[f] * std::max(0.0, std::min(rise, fall));
    }
    log_mel[m] = std::log(sum + 1e-6);
  }
  std::vector<double> c(n_mfcc);
  for (int k = 0; k < n_mfcc; ++k) {
    double sum = 0;
    for (int m = 0; m < n_mels; ++m) sum += log_mel[m] * std::cos(M_PI / n_mels * (m + 0.5) * k);
    c[k] = sum * std::sqrt(2.0 / n_mels) * (k == 0 ? 1 / std::sqrt(2.0) : 1.0);
  }
  return c;
}

}  // namespace

TEST(Mfcc, MatchesDirectFormulas) {
  const int64_t T = 1000;
  std::vector<double> x(T);
  for (int64_t t = 0; t < T; ++t)
    x[t] = 0.3 * std::sin(2 * M_PI * 440 * t / 16000.0) + 0.1 * std::cos(2 * M_PI * 3100 * t / 16000.0 + 0.4) +
           0.05 * std::sin(0.37 * t * t);
  const torch::Tensor waveform = torch::tensor(x, torch::kFloat64).to(torch::kFloat32).reshape({1, T});
  const torch::Tensor out = Mfcc()(waveform);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 20, 1 + T / 100}));
  for (int64_t frame : {0, 1, 5, 10}) {  // 0 and 10 use the reflect padding
    const auto expected = direct_mfcc_frame(x, frame);
    for (int k = 0; k < 20; ++k)
      EXPECT_NEAR(out[0][k][frame].item<double>(), expected[k], 2e-4 * (1 + std::abs(expected[k])))
          << "frame " << frame << " coefficient " << k;
  }
}

TEST(Mfcc, SpeechCommandsShapeAndBatchIndependence) {
  const torch::Tensor w = torch::randn({3, 16000}) * 0.1;
  const torch::Tensor out = Mfcc()(w);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{3, 20, 161}));
  EXPECT_TRUE(torch::allclose(out[1], Mfcc()(w[1]), 1e-5, 1e-4));
  EXPECT_THROW(Mfcc()(torch::zeros({50})), c10::Error);  // too short to reflect-pad
}

TEST(Mfcc, MelScaleAndDctByHand) {
  EXPECT_NEAR(hz_to_mel_htk(700), 2595 * std::log10(2.0), 1e-9);
  EXPECT_NEAR(mel_to_hz_htk(hz_to_mel_htk(1234.5)), 1234.5, 1e-9);
  // Two mel bands over [0, 8000] Hz on 5 bins (0, 2000, ..., 8000): band edges at mel 0, M/3, 2M/3, M.
  const torch::Tensor fb = mel_filterbank(5, 0, 8000, 2, 16000);
  ASSERT_EQ(fb.sizes(), (std::vector<int64_t>{5, 2}));
  const double M = hz_to_mel_htk(8000), h1 = mel_to_hz_htk(M / 3), h2 = mel_to_hz_htk(2 * M / 3);
  for (int f = 0; f < 5; ++f) {
    const double freq = 2000.0 * f;
    EXPECT_NEAR(fb[f][0].item<double>(), std::max(0.0, std::min(freq / h1, (h2 - freq) / (h2 - h1))), 1e-9);
    EXPECT_NEAR(fb[f][1].item<double>(), std::max(0.0, std::min((freq - h1) / (h2 - h1), (8000 - freq) / (8000 - h2))),
                1e-9);
  }
  // Orthonormal DCT-II: first column constant 1/sqrt(n), D^T D = I.
  const torch::Tensor d = dct_ortho(8, 8);
  EXPECT_NEAR(d[3][0].item<double>(), 1 / std::sqrt(8.0), 1e-12);
  EXPECT_NEAR(d[2][1].item<double>(), std::sqrt(2.0 / 8) * std::cos(M_PI / 8 * 2.5), 1e-12);
  EXPECT_TRUE(torch::allclose(d.t().matmul(d), torch::eye(8, torch::kFloat64), 0, 1e-12));
}
