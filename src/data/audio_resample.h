// Sample-rate conversion of audio clips through libsoxr (the SoX resampler), so WAV files of any rate train at one.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace longconv::data {

// audio: float32 [channels, frames] at `from_rate` Hz -> float32 [channels, round(frames * to_rate / from_rate)] at
// `to_rate` Hz, with soxr's high-quality recipe (SOXR_HQ: 20-bit precision, linear phase, passband to 91% of the
// lower Nyquist frequency). Equal rates return the input. std::invalid_argument for a rate below 1.
torch::Tensor resample_audio(const torch::Tensor& audio, int64_t from_rate, int64_t to_rate);

}  // namespace longconv::data
