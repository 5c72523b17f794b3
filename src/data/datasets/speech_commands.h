// Speech Commands v0.02 (Warden 2018) in its published layout: DATA_DIR/<word>/<clip>.wav (16 kHz mono 16-bit PCM),
// DATA_DIR/validation_list.txt and DATA_DIR/testing_list.txt (one "<word>/<clip>.wav" per line); training is every
// other clip of the chosen words.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace longconv::data {

inline constexpr int64_t kSpeechSampleRate = 16000;
inline constexpr int64_t kSpeechClipLength = 16000;  // one second

// The words of a task, in label order. 10: CKConv/CCNN's order (yes, no, up, down, left, right, on, off, stop, go).
// 35: every v0.02 word, the ten first (same labels) and the other 25 alphabetically.
const std::vector<std::string>& speech_commands_words(int64_t classes);

// raw: x [1, 16000] = int16 PCM / 2^15; mfcc: x [20, 161] (data/mfcc.h).
enum class SpeechFeatures { Raw, Mfcc };

struct SpeechCommandsOptions {
  std::string data_dir;
  int64_t classes = 10;
  SpeechFeatures features = SpeechFeatures::Raw;
  // Standardise each channel with the mean and std of the training split (CCNN's normalise_data).
  bool normalize = true;
  // 2: the test split keeps every second step of x (raw: 8 kHz, [1, 8000]), for evaluation at another resolution.
  int64_t test_rate_factor = 1;
};
extern const Constraint kSpeechClasses;         // 10 or 35
extern const Constraint kSpeechTestRateFactor;  // 1 or 2
void validate(const SpeechCommandsOptions& options);

// 10 classes keep only clips of exactly 16000 samples (CCNN discards the shorter ones); 35 classes zero-pad
// shorter clips to 16000 (S4's SC35). Every clip is read and featurised once, here.
Splits make_speech_commands_splits(const SpeechCommandsOptions& options);

struct DatasetType;
DatasetType speech_commands_dataset_type();  // dataset.name: speech_commands

}  // namespace longconv::data
