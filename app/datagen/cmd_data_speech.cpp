// longconv data speech --out DIR [--seed S] [--per-word N] [--classes 10|35]
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "datagen/speech_generator.h"
#include "util/runtime.h"

namespace longconv::cli {

void add_data_speech_command(CLI::App& app) {
  auto options = std::make_shared<data::SpeechGeneratorOptions>();
  CLI::App* cmd = data_command(app).add_subcommand(
      "speech",
      "a synthetic Speech Commands v0.02 set (espeak-ng voices, sox, background noise) for dataset "
      "speech_commands");
  cmd->add_option("--out", options->out_dir, "output directory (the config's dataset.data_dir)")->required();
  cmd->add_option("--seed", options->seed, "random seed")->capture_default_str();
  cmd->add_option("--per-word", options->per_word, "clips per word (10% validation, 10% testing)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{3}, int64_t{1000000}));
  cmd->add_option("--classes", options->classes, "10: the ten command words; 35: every word")
      ->capture_default_str()
      ->check(CLI::IsMember({int64_t{10}, int64_t{35}}));
  cmd->add_flag("--replace", options->replace,
                "replace a Speech Commands set already in --out (swapped in when complete)");
  cmd->callback([options] {
    init_runtime(0);  // clips are synthesised in parallel, one espeak-ng/sox pair per core
    const data::SpeechGeneratorSummary s = data::generate_speech_commands(*options);
    fmt::print("wrote {} clips to {}: {} training, {} validation, {} testing\n", s.train + s.validation + s.testing,
               options->out_dir, s.train, s.validation, s.testing);
  });
}

}  // namespace longconv::cli
