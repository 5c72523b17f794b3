// Test helper: a small Speech Commands directory in the published layout (word folders of 16 kHz mono WAVs,
// validation_list.txt, testing_list.txt) with deterministic clip contents.
#pragma once

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/datasets/speech_commands.h"
#include "data/formats/wav.h"

#include "support/helpers.h"

namespace longconv::test {

// Sample t of clip `clip` of word `word`: a tone whose pitch depends on the word, so a model can learn it.
inline int16_t speech_sample(int64_t word, int64_t clip, int64_t t) {
  const double v = 8000.0 * std::sin(2 * M_PI * (200.0 + 150.0 * word) * t / 16000.0 + clip) +
                   300.0 * std::sin(0.001 * t * (clip + 1));
  return static_cast<int16_t>(v);
}

// `per_word` clips per word of the first `classes` words; clip 0 of each word is listed for validation, clip 1 for
// testing (when per_word > 2), the rest train.
inline void write_speech_dir(const std::string& dir, int64_t classes, int64_t per_word) {
  const auto& words = data::speech_commands_words(classes);
  std::filesystem::create_directories(dir);
  std::ofstream validation(dir + "/validation_list.txt"), testing(dir + "/testing_list.txt");
  for (size_t w = 0; w < words.size(); ++w) {
    std::filesystem::create_directories(dir + "/" + words[w]);
    for (int64_t c = 0; c < per_word; ++c) {
      std::vector<int16_t> pcm(data::kSpeechClipLength);
      for (int64_t t = 0; t < data::kSpeechClipLength; ++t) pcm[t] = speech_sample(static_cast<int64_t>(w), c, t);
      const std::string name = "clip" + std::to_string(c) + "_nohash_0.wav";
      write_file(dir + "/" + words[w] + "/" + name, data::encode_wav_pcm16(pcm, data::kSpeechSampleRate));
      if (c == 0) validation << words[w] << "/" << name << "\n";
      if (c == 1) testing << words[w] << "/" << name << "\n";
    }
  }
}

}  // namespace longconv::test
