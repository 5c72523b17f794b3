#include "data/datasets/speech_commands.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "data/formats/wav.h"
#include "data/mfcc.h"
#include "data/registry.h"

namespace longconv::data {

namespace {

namespace fs = std::filesystem;

constexpr double kStdEpsilon = 1e-5;  // normalise_data divides by (std + 1e-5)

// Features of the clips of one split with per-channel standardisation and an optional step subsampling.
class SpeechCommandsDataset : public Dataset {
 public:
  SpeechCommandsDataset(torch::Tensor features, torch::Tensor labels, torch::Tensor mean, torch::Tensor inv_std,
                        int64_t rate_factor)
      : features_(std::move(features)),
        labels_(std::move(labels)),
        mean_(std::move(mean)),
        inv_std_(std::move(inv_std)),
        rate_factor_(rate_factor) {}

  int64_t size() const override { return features_.size(0); }

  Example get(int64_t index, std::mt19937_64*) const override {
    if (index < 0 || index >= size())
      throw std::out_of_range("speech_commands: index " + std::to_string(index) + " outside [0, " +
                              std::to_string(size()) + ")");
    Example e;
    torch::Tensor x = (features_[index] - mean_) * inv_std_;
    if (rate_factor_ > 1) x = x.slice(-1, 0, c10::nullopt, rate_factor_);
    e.x = x.contiguous();
    e.y = labels_[index].clone();
    return e;
  }

 private:
  torch::Tensor features_;        // float [N, C, L]
  torch::Tensor labels_;          // int64 [N]
  torch::Tensor mean_, inv_std_;  // [C, 1]
  int64_t rate_factor_;
};

std::set<std::string> read_list(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": missing (the dataset's split list)");
  std::set<std::string> entries;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) entries.insert(line);
  }
  return entries;
}

struct Clip {
  std::string relative;  // "<word>/<file>.wav", as the split lists name it
  int64_t label;
};

// Samples of a clip fitted to 16000 (zero-padded when `pad`), or empty when it is dropped.
std::vector<int16_t> load_clip(const fs::path& path, bool pad) {
  Wav wav = read_wav(path.string());
  if (wav.sample_rate != kSpeechSampleRate || wav.channels != 1)
    throw std::runtime_error(path.string() + ": expected 16000 Hz mono, got " + std::to_string(wav.sample_rate) +
                             " Hz with " + std::to_string(wav.channels) + " channels");
  const auto n = static_cast<int64_t>(wav.samples.size());
  if (n == kSpeechClipLength) return std::move(wav.samples);
  if (!pad) return {};
  wav.samples.resize(kSpeechClipLength, 0);
  return std::move(wav.samples);
}

}  // namespace

const std::vector<std::string>& speech_commands_words(int64_t classes) {
  static const std::vector<std::string> ten = {"yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"};
  static const std::vector<std::string> all = [] {
    std::vector<std::string> words = ten;
    for (const char* w : {"backward", "bed",   "bird",  "cat",   "dog",    "eight", "five", "follow", "forward",
                          "four",     "happy", "house", "learn", "marvin", "nine",  "one",  "seven",  "sheila",
                          "six",      "three", "tree",  "two",   "visual", "wow",   "zero"})
      words.emplace_back(w);
    return words;
  }();
  if (classes == 10) return ten;
  if (classes == 35) return all;
  throw std::invalid_argument("speech_commands: classes must be 10 or 35, got " + std::to_string(classes));
}

const Constraint kSpeechClasses = one_of({10, 35});
const Constraint kSpeechTestRateFactor = one_of({1, 2});

void validate(const SpeechCommandsOptions& o) {
  check_option(o.classes, kSpeechClasses, "SpeechCommandsOptions::classes");
  check_option(o.test_rate_factor, kSpeechTestRateFactor, "SpeechCommandsOptions::test_rate_factor");
}

Splits make_speech_commands_splits(const SpeechCommandsOptions& options) {
  validate(options);
  const std::vector<std::string>& words = speech_commands_words(options.classes);
  const bool mfcc = options.features == SpeechFeatures::Mfcc;
  const fs::path root(options.data_dir);
  std::error_code ec;
  if (options.data_dir.empty() || !fs::is_directory(root, ec))
    throw std::runtime_error(options.data_dir + ": no such directory");

  const std::set<std::string> validation = read_list(root / "validation_list.txt");
  const std::set<std::string> testing = read_list(root / "testing_list.txt");
  std::vector<Clip> clips;
  for (size_t label = 0; label < words.size(); ++label) {
    const fs::path folder = root / words[label];
    if (!fs::is_directory(folder, ec))
      throw std::runtime_error(folder.string() + ": missing (a folder of clips for the word '" + words[label] + "')");
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.path().extension() == ".wav") names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());  // directory order is arbitrary
    for (const auto& name : names) clips.push_back({words[label] + "/" + name, static_cast<int64_t>(label)});
  }

  // Read every clip (in parallel: the full set is 10^5 files); a bad file stops the load with its error.
  const auto n = static_cast<int64_t>(clips.size());
  std::vector<std::vector<int16_t>> samples(clips.size());
  at::parallel_for(0, n, 64, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) samples[i] = load_clip(root / clips[i].relative, options.classes == 35);
  });

  // Kept clips by split: 0 train, 1 validation, 2 test.
  std::vector<int64_t> kept[3];
  for (int64_t i = 0; i < n; ++i) {
    if (samples[i].empty()) continue;
    const std::string& rel = clips[i].relative;
    kept[testing.count(rel) ? 2 : validation.count(rel) ? 1 : 0].push_back(i);
  }
  const char* split_names[3] = {"training", "validation", "testing"};
  for (int s = 0; s < 3; ++s)
    if (kept[s].empty())
      throw std::runtime_error(options.data_dir + ": no " + std::to_string(kSpeechClipLength) +
                               "-sample clips of the " + std::to_string(options.classes) + " words in the " +
                               split_names[s] + " split");

  const Mfcc mfcc_transform;
  const auto features_of = [&](const std::vector<int64_t>& indices) {
    const auto m = static_cast<int64_t>(indices.size());
    torch::Tensor pcm = torch::empty({m, kSpeechClipLength}, torch::kInt16);
    torch::Tensor labels = torch::empty({m}, torch::kInt64);
    int16_t* pcm_out = pcm.data_ptr<int16_t>();
    int64_t* label_out = labels.data_ptr<int64_t>();
    for (int64_t j = 0; j < m; ++j) {
      std::copy(samples[indices[j]].begin(), samples[indices[j]].end(), pcm_out + j * kSpeechClipLength);
      label_out[j] = clips[indices[j]].label;
    }
    torch::Tensor waveform = pcm.to(torch::kFloat32) / 32768.0;  // CCNN: audio / 2**15
    if (!mfcc) return std::make_pair(waveform.unsqueeze(1), labels);
    std::vector<torch::Tensor> chunks;
    for (int64_t start = 0; start < m; start += 512)
      chunks.push_back(mfcc_transform(waveform.slice(0, start, start + 512)));
    return std::make_pair(torch::cat(chunks), labels);
  };
  auto [train_x, train_y] = features_of(kept[0]);
  auto [val_x, val_y] = features_of(kept[1]);
  auto [test_x, test_y] = features_of(kept[2]);

  const int64_t channels = train_x.size(1);
  torch::Tensor mean = torch::zeros({channels, 1}), inv_std = torch::ones({channels, 1});
  if (options.normalize) {
    const torch::Tensor per_channel = train_x.transpose(0, 1).reshape({channels, -1}).to(torch::kFloat64);
    mean = per_channel.mean(1, true).to(torch::kFloat32);
    inv_std = (1.0 / (per_channel.std(1, /*unbiased=*/true, true) + kStdEpsilon)).to(torch::kFloat32);
  }

  Splits splits;
  splits.train = std::make_shared<SpeechCommandsDataset>(train_x, train_y, mean, inv_std, 1);
  splits.val = std::make_shared<SpeechCommandsDataset>(val_x, val_y, mean, inv_std, 1);
  splits.test = std::make_shared<SpeechCommandsDataset>(test_x, test_y, mean, inv_std, options.test_rate_factor);
  splits.info.task = Task::Classification;
  splits.info.d_input = channels;
  splits.info.d_output = options.classes;
  splits.info.max_length = train_x.size(2);
  splits.info.spatial_shape = {train_x.size(2)};
  return splits;
}

DatasetType speech_commands_dataset_type() {
  SpeechCommandsOptions defaults;
  defaults.data_dir = "data/speech_commands";
  auto bindings = Bindings<SpeechCommandsOptions>(defaults)
                      .bind("data_dir", &SpeechCommandsOptions::data_dir,
                            "directory of <word>/ folders with validation_list.txt and testing_list.txt")
                      .bind("classes", &SpeechCommandsOptions::classes,
                            "10: yes/no/up/down/left/right/on/off/stop/go (CKConv/CCNN); 35: every word (S4's SC35)",
                            kSpeechClasses)
                      .bind("features", &SpeechCommandsOptions::features,
                            EnumNames<SpeechFeatures>{{"raw", SpeechFeatures::Raw}, {"mfcc", SpeechFeatures::Mfcc}},
                            "raw: [1, 16000] waveform; mfcc: [20, 161] MFCC (torchaudio's, as CCNN)")
                      .bind("normalize", &SpeechCommandsOptions::normalize,
                            "standardise each channel with training-split statistics (as CCNN)")
                      .bind("test_rate_factor", &SpeechCommandsOptions::test_rate_factor,
                            "2: test on every second step (raw: 8 kHz), for resolution change", kSpeechTestRateFactor)
                      .validate([](const SpeechCommandsOptions& o) { validate(o); });
  return bound_dataset_type<SpeechCommandsOptions>(
      "speech_commands",
      "Speech Commands v0.02: 1 s 16 kHz clips of spoken words in <word>/ folders with validation_list.txt and "
      "testing_list.txt (`longconv data speech` writes a synthetic set)",
      std::move(bindings), make_speech_commands_splits);
}

}  // namespace longconv::data
