// WAV files: read through libsndfile (any PCM WAV it understands), written as 16-bit PCM mono.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace longconv::data {

struct Wav {
  int64_t sample_rate = 0;
  int64_t channels = 0;
  std::vector<int16_t> samples;  // interleaved when channels > 1
};

// Whole file as 16-bit samples. A missing, unreadable or truncated file (a data chunk shorter than its header
// declares) is a std::runtime_error naming the file and what is wrong.
Wav read_wav(const std::string& path);

// The bytes of a canonical 44-byte-header RIFF/WAVE file: 16-bit PCM, one channel.
std::string encode_wav_pcm16(const std::vector<int16_t>& samples, int64_t sample_rate);

}  // namespace longconv::data
