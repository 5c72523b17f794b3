#include <gtest/gtest.h>

#include <cmath>

#include "data/audio_resample.h"

using longconv::data::resample_audio;

namespace {

torch::Tensor sine(double frequency, int64_t rate, int64_t frames, double phase = 0.0) {
  return torch::sin(torch::arange(frames, torch::kFloat64) * (2 * M_PI * frequency / rate) + phase)
      .to(torch::kFloat32)
      .unsqueeze(0);
}

}  // namespace

TEST(AudioResample, KeepsATonesShapeAtAnyRate) {
  // 440 Hz (and 1 kHz on a second channel) at 8 kHz -> 16 kHz and 22.05 kHz -> 16 kHz, against the tone sampled at
  // the new rate directly, away from the edges where the filter starts up.
  for (auto [from, to] : {std::pair<int64_t, int64_t>{8000, 16000}, {22050, 16000}, {48000, 8000}}) {
    const int64_t frames = from / 2;
    const torch::Tensor in = torch::cat({sine(440, from, frames), sine(1000, from, frames, 1.0)});
    const torch::Tensor out = resample_audio(in, from, to);
    const int64_t expected_frames = std::llround(frames * static_cast<double>(to) / from);
    ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, expected_frames})) << from << " -> " << to;
    const torch::Tensor reference = torch::cat({sine(440, to, expected_frames), sine(1000, to, expected_frames, 1.0)});
    const int64_t margin = to / 50;
    const double error = (out - reference).narrow(1, margin, expected_frames - 2 * margin).abs().max().item<double>();
    EXPECT_LT(error, 1e-3) << from << " -> " << to;
  }
}

TEST(AudioResample, EqualRatesReturnTheInputAndBadRatesAreErrors) {
  const torch::Tensor in = sine(100, 8000, 100);
  EXPECT_TRUE(resample_audio(in, 8000, 8000).equal(in));
  EXPECT_THROW(resample_audio(in, 0, 8000), std::invalid_argument);
}
