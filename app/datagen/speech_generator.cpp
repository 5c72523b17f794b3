#include "datagen/speech_generator.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "data/datasets/speech_commands.h"
#include "data/formats/wav.h"
#include "datagen/staged_dataset_dir.h"
#include "io/atomic_file.h"
#include "util/process.h"
#include "util/random.h"

namespace longconv::data {

namespace {

namespace fs = std::filesystem;

// espeak-ng voices (accents) and variants (speaker characteristics); a "speaker" is one pair.
constexpr std::array<const char*, 5> kAccents = {"en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-029"};
constexpr std::array<const char*, 16> kVariants = {"m1", "m2", "m3", "m4", "m5",    "m6",    "m7",     "f1",
                                                   "f2", "f3", "f4", "f5", "croak", "klatt", "klatt3", "whisperf"};

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * std::generate_canonical<double, 53>(rng);
}

// Removes the directory (temporary files of the generator) when the generator returns or throws.
struct ScratchDir {
  fs::path path;
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The spoken part of `pcm`: from the first to the last sample above 2% of the peak.
std::pair<size_t, size_t> voiced_span(const std::vector<int16_t>& pcm) {
  int peak = 0;
  for (int16_t s : pcm) peak = std::max(peak, std::abs(static_cast<int>(s)));
  const int threshold = std::max(1, peak / 50);
  size_t begin = 0, end = pcm.size();
  while (begin < end && std::abs(static_cast<int>(pcm[begin])) < threshold) ++begin;
  while (end > begin && std::abs(static_cast<int>(pcm[end - 1])) < threshold) --end;
  return {begin, end};
}

// One clip of `word`, drawn from `rng`: speech synthesised into scratch files, then shifted, scaled and noised here.
std::vector<int16_t> synthesize_clip(const std::string& word, std::mt19937_64& rng, const fs::path& scratch,
                                     const std::string& stem) {
  const std::string voice = fmt::format("{}+{}", kAccents[uniform_below(rng, kAccents.size())],
                                        kVariants[uniform_below(rng, kVariants.size())]);
  const auto speed = static_cast<int>(uniform(rng, 120, 230));  // words per minute
  const auto pitch = static_cast<int>(uniform(rng, 15, 85));    // 0-99
  const std::string spoken = (scratch / (stem + ".espeak.wav")).string();
  const std::string resampled = (scratch / (stem + ".16k.wav")).string();
  run_program({"espeak-ng", "-v", voice, "-s", std::to_string(speed), "-p", std::to_string(pitch), "-w", spoken, word},
              "install the Debian package espeak-ng");
  run_program({"sox", spoken, "-r", "16000", "-c", "1", "-b", "16", resampled}, "install the Debian package sox");
  const Wav wav = read_wav(resampled);
  if (wav.sample_rate != kSpeechSampleRate || wav.channels != 1)
    throw std::runtime_error(resampled + ": sox wrote " + std::to_string(wav.sample_rate) + " Hz with " +
                             std::to_string(wav.channels) + " channels, expected 16000 Hz mono");

  auto [begin, end] = voiced_span(wav.samples);
  end = std::min(end, begin + static_cast<size_t>(kSpeechClipLength));
  int peak = 1;
  for (size_t t = begin; t < end; ++t) peak = std::max(peak, std::abs(static_cast<int>(wav.samples[t])));
  const double level = uniform(rng, 0.2, 0.9) * 32767.0;  // peak of the word in the clip
  const double gain = level / peak;
  const double noise_std = level * std::pow(10.0, -uniform(rng, 10.0, 40.0) / 20.0);  // SNR 10-40 dB vs the peak
  const auto spoken_length = static_cast<int64_t>(end - begin);
  const auto offset =
      static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(kSpeechClipLength - spoken_length + 1)));

  std::normal_distribution<double> noise(0.0, noise_std);
  std::vector<int16_t> clip(kSpeechClipLength);
  for (int64_t t = 0; t < kSpeechClipLength; ++t) {
    const int64_t src = static_cast<int64_t>(begin) + t - offset;
    const double speech = (src >= static_cast<int64_t>(begin) && src < static_cast<int64_t>(end))
                              ? gain * wav.samples[static_cast<size_t>(src)]
                              : 0.0;
    clip[t] = static_cast<int16_t>(std::clamp(std::lround(speech + noise(rng)), -32768L, 32767L));
  }
  return clip;
}

struct Job {
  size_t word;
  int64_t index;
};

// Writes every job's clip under `root` and returns their names (relative to it), in job order.
std::vector<std::string> write_clips(const SpeechGeneratorOptions& options, const std::vector<std::string>& words,
                                     const std::vector<Job>& jobs, const fs::path& root) {
  for (const auto& word : words) fs::create_directories(root / word);
  const ScratchDir scratch{root / ".generate"};
  fs::create_directories(scratch.path);
  std::vector<std::string> names(jobs.size());
  // Each clip has its own seeded generator, so the output does not depend on the thread count.
  at::parallel_for(0, static_cast<int64_t>(jobs.size()), 1, [&](int64_t first, int64_t last) {
    for (int64_t j = first; j < last; ++j) {
      const Job& job = jobs[j];
      std::mt19937_64 rng(mix_seed(options.seed, job.word, static_cast<uint64_t>(job.index)));
      const uint64_t speaker = rng() & 0xffffffffu;
      names[j] = fmt::format("{}/{:08x}_nohash_{}.wav", words[job.word], speaker, job.index);
      const std::vector<int16_t> clip = synthesize_clip(words[job.word], rng, scratch.path, std::to_string(j));
      io::write_file_atomic((root / names[j]).string(), encode_wav_pcm16(clip, kSpeechSampleRate));
    }
  });
  return names;
}

}  // namespace

SpeechGeneratorSummary generate_speech_commands(const SpeechGeneratorOptions& options) {
  const std::vector<std::string>& words = speech_commands_words(options.classes);
  if (options.per_word < 3)
    throw std::invalid_argument("speech generator: per_word must be >= 3 (a clip for each split), got " +
                                std::to_string(options.per_word));
  StagedDatasetDir out(options.out_dir, options.replace, "validation_list.txt", "data speech");
  std::vector<Job> jobs;
  for (size_t w = 0; w < words.size(); ++w)
    for (int64_t i = 0; i < options.per_word; ++i) jobs.push_back({w, i});
  const std::vector<std::string> names = write_clips(options, words, jobs, out.path());

  SpeechGeneratorSummary summary;
  std::string validation, testing;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const int64_t slot = jobs[j].index % 10;
    if (slot == 0) {
      validation += names[j] + "\n";
      ++summary.validation;
    } else if (slot == 1) {
      testing += names[j] + "\n";
      ++summary.testing;
    } else {
      ++summary.train;
    }
  }
  io::write_file_atomic((out.path() / "validation_list.txt").string(), validation);
  io::write_file_atomic((out.path() / "testing_list.txt").string(), testing);
  out.commit();
  return summary;
}

}  // namespace longconv::data
