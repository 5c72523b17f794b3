#include "data/mfcc.h"

#include <cmath>

namespace longconv::data {

double hz_to_mel_htk(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double mel_to_hz_htk(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

torch::Tensor mel_filterbank(int64_t n_freqs, double f_min, double f_max, int64_t n_mels, int64_t sample_rate) {
  TORCH_CHECK(n_freqs >= 2 && n_mels >= 1, "mel_filterbank: n_freqs ", n_freqs, " and n_mels ", n_mels);
  TORCH_CHECK(0.0 <= f_min && f_min < f_max, "mel_filterbank: need 0 <= f_min < f_max, got ", f_min, " and ", f_max);
  const auto f64 = torch::kFloat64;
  // torchaudio spaces the FFT bins over [0, sample_rate // 2] (integer division).
  const torch::Tensor all_freqs = torch::linspace(0.0, static_cast<double>(sample_rate / 2), n_freqs, f64);
  const torch::Tensor m_pts = torch::linspace(hz_to_mel_htk(f_min), hz_to_mel_htk(f_max), n_mels + 2, f64);
  const torch::Tensor f_pts = 700.0 * (torch::pow(10.0, m_pts / 2595.0) - 1.0);
  const torch::Tensor f_diff = f_pts.slice(0, 1) - f_pts.slice(0, 0, -1);       // [n_mels + 1]
  const torch::Tensor slopes = f_pts.unsqueeze(0) - all_freqs.unsqueeze(1);     // [n_freqs, n_mels + 2]
  const torch::Tensor down = -slopes.slice(1, 0, -2) / f_diff.slice(0, 0, -1);  // rising edge
  const torch::Tensor up = slopes.slice(1, 2) / f_diff.slice(0, 1);             // falling edge
  return torch::clamp_min(torch::minimum(down, up), 0.0);
}

torch::Tensor dct_ortho(int64_t n_mfcc, int64_t n_mels) {
  TORCH_CHECK(1 <= n_mfcc && n_mfcc <= n_mels, "dct_ortho: need 1 <= n_mfcc <= n_mels, got ", n_mfcc, " and ", n_mels);
  const auto f64 = torch::kFloat64;
  const torch::Tensor n = torch::arange(n_mels, f64);
  const torch::Tensor k = torch::arange(n_mfcc, f64).unsqueeze(1);
  torch::Tensor dct = torch::cos(M_PI / static_cast<double>(n_mels) * (n + 0.5) * k);  // [n_mfcc, n_mels]
  dct[0].mul_(1.0 / std::sqrt(2.0));
  dct.mul_(std::sqrt(2.0 / static_cast<double>(n_mels)));
  return dct.t().contiguous();
}

Mfcc::Mfcc(MfccOptions options) : options_(options) {
  TORCH_CHECK(options_.n_fft() >= 2 && options_.sample_rate() >= 1, "Mfcc: n_fft ", options_.n_fft(),
              " and sample_rate ", options_.sample_rate());
  window_ = torch::hann_window(options_.n_fft(), /*periodic=*/true, torch::kFloat64);
  filterbank_ = mel_filterbank(options_.n_fft() / 2 + 1, 0.0, options_.sample_rate() / 2.0, options_.n_mels(),
                               options_.sample_rate());
  dct_ = dct_ortho(options_.n_mfcc(), options_.n_mels());
}

torch::Tensor Mfcc::operator()(const torch::Tensor& waveform) const {
  const int64_t n_fft = options_.n_fft(), hop = n_fft / 2, pad = n_fft / 2;
  TORCH_CHECK(waveform.dim() >= 1 && waveform.size(-1) > pad, "Mfcc: waveform needs more than ", pad,
              " samples in its last dimension, got shape ", waveform.sizes());
  const auto batch_shape = waveform.sizes().slice(0, waveform.dim() - 1).vec();
  const int64_t length = waveform.size(-1);
  torch::Tensor x = waveform.to(torch::kFloat64).reshape({-1, 1, length});
  // torch.stft(center=True, pad_mode="reflect"): frame t is centred on sample t * hop.
  x = torch::nn::functional::pad(x, torch::nn::functional::PadFuncOptions({pad, pad}).mode(torch::kReflect));
  const torch::Tensor frames = x.squeeze(1).unfold(-1, n_fft, hop) * window_;    // [B, frames, n_fft]
  const torch::Tensor power = torch::fft::rfft(frames, n_fft, -1).abs().pow(2);  // [B, frames, n_freqs]
  const torch::Tensor log_mel = torch::log(torch::matmul(power, filterbank_) + options_.log_offset());
  const torch::Tensor mfcc = torch::matmul(log_mel, dct_).transpose(1, 2);  // [B, n_mfcc, frames]
  std::vector<int64_t> out_shape = batch_shape;
  out_shape.push_back(options_.n_mfcc());
  out_shape.push_back(mfcc.size(-1));
  return mfcc.to(torch::kFloat32).reshape(out_shape);
}

}  // namespace longconv::data
