// A synthetic Speech Commands set in the published v0.02 layout, spoken by espeak-ng and resampled by sox: each clip
// is one word by a random voice variant, speed and pitch, at a random gain and time shift within one second, over
// white background noise at a random level; 16 kHz mono 16-bit PCM, exactly 16000 samples. Clip i of a word goes
// to validation_list.txt when i % 10 == 0, to testing_list.txt when i % 10 == 1, else to training.
#pragma once

#include <cstdint>
#include <string>

namespace longconv::data {

struct SpeechGeneratorOptions {
  std::string out_dir;
  uint64_t seed = 0;
  int64_t per_word = 100;  // clips per word (>= 3, so every split gets clips)
  int64_t classes = 10;    // 10: the ten command words; 35: every v0.02 word
  bool replace = false;    // replace a Speech Commands set already in out_dir (else an error)
};

struct SpeechGeneratorSummary {
  int64_t train = 0, validation = 0, testing = 0;
};

// Writes out_dir/<word>/<speaker>_nohash_<i>.wav and the two lists, the whole directory at once (StagedDatasetDir:
// an existing set there is refused unless `replace`, never mixed with the new clips). Names, voices, shifts, gains
// and splits are deterministic in the seed; the audio is not bit-identical between runs (espeak-ng's own noise
// sources, e.g. of the whisper and klatt variants, are unseeded).
// Errors: espeak-ng or sox missing (names the Debian package) or failing (names the command).
SpeechGeneratorSummary generate_speech_commands(const SpeechGeneratorOptions& options);

}  // namespace longconv::data
