#include "data/audio_resample.h"

#include <soxr.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace longconv::data {

torch::Tensor resample_audio(const torch::Tensor& audio, int64_t from_rate, int64_t to_rate) {
  if (from_rate < 1 || to_rate < 1)
    throw std::invalid_argument("resample_audio: rates must be >= 1 Hz, got " + std::to_string(from_rate) + " -> " +
                                std::to_string(to_rate));
  TORCH_CHECK(audio.dim() == 2 && audio.scalar_type() == torch::kFloat32,
              "resample_audio: expected float32 [channels, frames], got ", audio.scalar_type(), " ", audio.sizes());
  if (from_rate == to_rate) return audio;
  const int64_t channels = audio.size(0), frames = audio.size(1);
  const auto out_frames = static_cast<int64_t>(
      std::llround(static_cast<double>(frames) * static_cast<double>(to_rate) / static_cast<double>(from_rate)));
  const torch::Tensor in = audio.t().contiguous();  // soxr takes interleaved frames
  torch::Tensor out = torch::zeros({out_frames, channels});
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  const soxr_runtime_spec_t runtime = soxr_runtime_spec(1);  // callers parallelise over clips
  size_t done = 0;
  const soxr_error_t error =
      soxr_oneshot(static_cast<double>(from_rate), static_cast<double>(to_rate), static_cast<unsigned>(channels),
                   in.data_ptr<float>(), static_cast<size_t>(frames), nullptr, out.data_ptr<float>(),
                   static_cast<size_t>(out_frames), &done, &io, &quality, &runtime);
  if (error) throw std::runtime_error(std::string("libsoxr: ") + error);
  return out.t().contiguous();
}

}  // namespace longconv::data
