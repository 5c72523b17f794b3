#include "data/formats/wav.h"

#include <sndfile.h>

#include <memory>
#include <stdexcept>

namespace longconv::data {

Wav read_wav(const std::string& path) {
  SF_INFO info{};
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> file(sf_open(path.c_str(), SFM_READ, &info), sf_close);
  if (!file) throw std::runtime_error(path + ": cannot read as audio: " + sf_strerror(nullptr));
  if (info.channels < 1 || info.samplerate < 1 || info.frames < 0)
    throw std::runtime_error(path + ": header declares " + std::to_string(info.channels) + " channels at " +
                             std::to_string(info.samplerate) + " Hz");
  // libsndfile shortens a data chunk that runs past the end of the file and only notes it in its log
  // ("data : 24548 (should be 19956)"): that is a truncated file.
  char log[4096] = {};
  sf_command(file.get(), SFC_GET_LOG_INFO, log, sizeof log);
  const std::string log_text(log);
  const size_t data_line = log_text.find("\ndata : ");
  if (data_line != std::string::npos) {
    const std::string line = log_text.substr(data_line + 1, log_text.find('\n', data_line + 1) - data_line - 1);
    if (line.find("should be") != std::string::npos)
      throw std::runtime_error(path + ": truncated: data chunk size in the header vs the file: " + line);
  }
  Wav wav;
  wav.sample_rate = info.samplerate;
  wav.channels = info.channels;
  wav.samples.resize(static_cast<size_t>(info.frames * info.channels));
  const sf_count_t read = sf_readf_short(file.get(), wav.samples.data(), info.frames);
  if (read != info.frames)
    throw std::runtime_error(path + ": truncated: header declares " + std::to_string(info.frames) +
                             " sample frames, file holds " + std::to_string(read));
  return wav;
}

namespace {
void put_le(std::string& out, uint32_t value, int bytes) {
  for (int k = 0; k < bytes; ++k) out.push_back(static_cast<char>((value >> (8 * k)) & 0xff));
}
}  // namespace

std::string encode_wav_pcm16(const std::vector<int16_t>& samples, int64_t sample_rate) {
  const auto data_bytes = static_cast<uint32_t>(samples.size() * 2);
  std::string out = "RIFF";
  put_le(out, 36 + data_bytes, 4);
  out += "WAVEfmt ";
  put_le(out, 16, 4);  // fmt chunk size
  put_le(out, 1, 2);   // PCM
  put_le(out, 1, 2);   // channels
  put_le(out, static_cast<uint32_t>(sample_rate), 4);
  put_le(out, static_cast<uint32_t>(sample_rate * 2), 4);  // byte rate
  put_le(out, 2, 2);                                       // block align
  put_le(out, 16, 2);                                      // bits per sample
  out += "data";
  put_le(out, data_bytes, 4);
  for (int16_t s : samples) put_le(out, static_cast<uint16_t>(s), 2);
  return out;
}

}  // namespace longconv::data
