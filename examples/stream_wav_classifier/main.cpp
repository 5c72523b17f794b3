// Streaming classification of WAV files with a MultiresNet trained by `longconv train` (e.g. on Speech Commands,
// dataset.features: raw): the audio goes in as it would arrive live, a chunk at a time, and the running prediction is
// printed after each chunk; the last line per file holds the class probabilities after the whole file.
//
//   stream_wav_classifier RUN_DIR FILE.wav... [--chunk SAMPLES]
//
// Output per file: "FILE t=SECONDS class=K p=P" after every chunk, then "FILE final class=K probs P0 P1 ...".
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <longconv/longconv.h>

namespace {

int usage() {
  std::fprintf(stderr, "usage: stream_wav_classifier RUN_DIR FILE.wav... [--chunk SAMPLES]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  int64_t chunk = 4000;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--chunk" && i + 1 < argc)
      chunk = std::atoll(argv[++i]);
    else
      files.push_back(arg);
  }
  if (argc < 3 || files.empty() || chunk < 1) return usage();
  try {
    const longconv::Model model = longconv::load_run(argv[1]);
    // The run must see the waveform as its dataset gave it: int16 / 2^15, not standardised with statistics of a
    // training split the run does not keep.
    if (model.config_value("dataset.normalize") == "true")
      throw std::runtime_error(std::string(argv[1]) +
                               ": the run standardises its inputs (dataset.normalize: true); train it with "
                               "dataset.normalize=false to stream raw audio");
    const int64_t channels = std::stoll(model.config_value("net.d_input"));
    longconv::MultiresNetStepper stepper(model);
    for (const std::string& file : files) {
      const longconv::Audio audio = longconv::read_wav(file);
      if (audio.samples.size(0) != channels)
        throw std::runtime_error(file + ": " + std::to_string(audio.samples.size(0)) + " channels, the model takes " +
                                 std::to_string(channels));
      stepper.reset();
      const int64_t frames = audio.samples.size(1);
      for (int64_t start = 0; start < frames; start += chunk) {
        const int64_t n = std::min(chunk, frames - start);
        stepper.push_sequence(audio.samples.narrow(1, start, n).unsqueeze(0));
        const torch::Tensor p = stepper.probabilities()[0];
        const int64_t k = p.argmax().item<int64_t>();
        std::printf("%s t=%.3f class=%lld p=%.4f\n", file.c_str(),
                    static_cast<double>(start + n) / static_cast<double>(audio.sample_rate), static_cast<long long>(k),
                    p[k].item<double>());
      }
      const torch::Tensor p = stepper.probabilities()[0];
      std::printf("%s final class=%lld probs", file.c_str(), static_cast<long long>(p.argmax().item<int64_t>()));
      for (int64_t k = 0; k < p.size(0); ++k) std::printf(" %.6f", p[k].item<double>());
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
