#include "longconv/media.h"

#include <stdexcept>

#include "data/formats/wav.h"
#include "io/png_reader.h"

namespace longconv {

torch::Tensor read_png(const std::string& path) {
  io::DecodedImage png = io::read_png(path);
  const auto pixels = torch::from_blob(png.pixels.data(), {png.height, png.width, png.channels}, torch::kUInt8);
  // clone, not contiguous(): a one-channel permute is already contiguous and would still point into png.pixels.
  return pixels.permute({2, 0, 1}).clone(at::MemoryFormat::Contiguous);
}

Audio read_wav(const std::string& path) {
  data::Wav wav = data::read_wav(path);
  if (wav.channels < 1) throw std::runtime_error(path + ": no audio channels");
  const auto frames = static_cast<int64_t>(wav.samples.size()) / wav.channels;
  const auto pcm = torch::from_blob(wav.samples.data(), {frames, wav.channels}, torch::kInt16);
  return {wav.sample_rate, pcm.t().to(torch::kFloat32) / 32768.0};  // CCNN and the dataset: audio / 2**15
}

}  // namespace longconv
