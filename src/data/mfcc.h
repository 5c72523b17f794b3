// MFCC features as torchaudio.transforms.MFCC computes them (the Speech Commands MFCC task of CKConv/CCNN/S4:
// MFCC(log_mels=True, n_mfcc=20, melkwargs=dict(n_fft=200, n_mels=64)) at 16 kHz): periodic Hann window, centred
// frames with reflect padding, power spectrogram, HTK mel filterbank without area normalisation, log(mel + 1e-6),
// orthonormal DCT-II.
#pragma once

#include <cstdint>

#include <torch/torch.h>

namespace longconv::data {

struct MfccOptions {
  TORCH_ARG(int64_t, sample_rate) = 16000;
  TORCH_ARG(int64_t, n_fft) = 200;  // window length too; hop is n_fft / 2 (torchaudio's defaults)
  TORCH_ARG(int64_t, n_mels) = 64;
  TORCH_ARG(int64_t, n_mfcc) = 20;
  TORCH_ARG(double, log_offset) = 1e-6;  // log_mels=True: log(mel + offset)
};

// HTK mel scale: 2595 log10(1 + f / 700), and its inverse.
double hz_to_mel_htk(double hz);
double mel_to_hz_htk(double mel);

// torchaudio.functional.melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate, norm=None, mel_scale="htk"):
// triangular filters [n_freqs, n_mels], float64.
torch::Tensor mel_filterbank(int64_t n_freqs, double f_min, double f_max, int64_t n_mels, int64_t sample_rate);

// torchaudio.functional.create_dct(n_mfcc, n_mels, norm="ortho"): [n_mels, n_mfcc], float64.
torch::Tensor dct_ortho(int64_t n_mfcc, int64_t n_mels);

class Mfcc {
 public:
  explicit Mfcc(MfccOptions options = {});
  // waveform [..., T] (T > n_fft / 2, for the reflect padding) -> float32 [..., n_mfcc, 1 + T / hop].
  torch::Tensor operator()(const torch::Tensor& waveform) const;
  const MfccOptions& options() const { return options_; }

 private:
  MfccOptions options_;
  torch::Tensor window_;      // [n_fft]
  torch::Tensor filterbank_;  // [n_fft / 2 + 1, n_mels]
  torch::Tensor dct_;         // [n_mels, n_mfcc]
};

}  // namespace longconv::data
