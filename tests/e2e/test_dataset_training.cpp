// End to end: `longconv train` / `eval` on tiny Speech Commands and PTB-XL directories written in their published
// formats, and the speech generator.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/formats/wav.h"
#include "datagen/speech_generator.h"
#include "support/cli.h"
#include "support/helpers.h"
#include "support/ptbxl_dir.h"
#include "support/speech_dir.h"
#include "support/temp_dir.h"

using namespace longconv;
using test::run_cli;
using test::TempDir;

namespace {

std::string write_config(const TempDir& dir, const std::string& dataset_yaml) {
  const std::string path = dir.file("run.yaml");
  std::ofstream(path) << "seed: 1\nthreads: 1\n"
                         "net:\n  type: MultiresNet\n  d_model: 4\n  n_layers: 1\n"
                         "dataset:\n"
                      << dataset_yaml
                      << "train:\n  epochs: 1\n  batch_size: 4\n  max_train_batches: 2\n  max_eval_batches: 1\n"
                         "  out_dir: "
                      << dir.file("run") << "\n";
  return path;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    if (std::filesystem::exists(dirs.substr(start, end - start) + "/" + program)) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

TEST(DatasetTraining, SpeechCommandsTrainsAndEvaluatesAtHalfRate) {
  const TempDir dir;
  std::filesystem::create_directories(dir.path() / "sc");
  test::write_speech_dir(dir.file("sc"), 10, 3);
  const std::string config = write_config(dir, "  name: speech_commands\n  data_dir: " + dir.file("sc") + "\n");
  const auto r = run_cli(dir, "train " + config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test accuracy at best validation: "), std::string::npos) << r.out;
  EXPECT_NE(test::slurp(dir.file("run/config.yaml")).find("max_length: 16000"), std::string::npos);

  const auto e = run_cli(dir, "eval " + config + " --checkpoint " + dir.file("run/best.ckpt") +
                                  " dataset.test_rate_factor=2 dataset.features=raw");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("test loss"), std::string::npos) << e.out;
  const auto bad = run_cli(dir, "train " + config + " dataset.test_rate_factor=3");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("dataset.test_rate_factor': expected one of 1, 2, got 3"), std::string::npos) << bad.err;
}

TEST(DatasetTraining, PtbxlTrainsWithMacroAuroc) {
  const TempDir dir;
  test::write_ptbxl_dir(dir.file("ptbxl"), 50);
  const std::string config =
      write_config(dir, "  name: ptbxl\n  labels: superdiagnostic\n  data_dir: " + dir.file("ptbxl") + "\n");
  const auto r = run_cli(dir, "train " + config);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test auroc at best validation: "), std::string::npos) << r.out;
  EXPECT_NE(test::slurp(dir.file("run/config.yaml")).find("d_output: 4"), std::string::npos);

  std::filesystem::resize_file(dir.file("ptbxl/" + test::ptbxl_record_name(3) + ".dat"), 1000);
  const auto bad = run_cli(dir, "train " + config);
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("00003_lr.dat: 1000 bytes, expected 24000"), std::string::npos) << bad.err;
}

TEST(DatasetTraining, SpeechGeneratorWritesTheLayout) {
  if (!on_path("espeak-ng") || !on_path("sox")) GTEST_SKIP() << "espeak-ng or sox not installed";
  const TempDir dir;
  const auto r = run_cli(dir, "data speech --out " + dir.file("sc") + " --per-word 3 --seed 7");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 30 clips"), std::string::npos) << r.out;
  int clips = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path() / "sc"))
    if (e.path().extension() == ".wav") {
      const data::Wav wav = data::read_wav(e.path().string());
      EXPECT_EQ(wav.sample_rate, 16000);
      EXPECT_EQ(wav.samples.size(), 16000u);
      ++clips;
    }
  EXPECT_EQ(clips, 30);
  EXPECT_FALSE(std::filesystem::exists(dir.file("sc/.generate")));
  // Same seed, same clips and splits (the audio is not bit-identical: espeak-ng's noise sources are unseeded),
  // here replacing the first set whole.
  const std::string validation = test::slurp(dir.file("sc/validation_list.txt"));
  const std::string testing = test::slurp(dir.file("sc/testing_list.txt"));
  const auto again = run_cli(dir, "data speech --out " + dir.file("sc") + " --per-word 3 --seed 7 --replace");
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(test::slurp(dir.file("sc/validation_list.txt")), validation);
  EXPECT_EQ(test::slurp(dir.file("sc/testing_list.txt")), testing);
  for (const auto& name : dir.entries()) EXPECT_NE(name[0], '.') << "staging directory " << name << " left behind";
}

// `data speech --out` into an existing set mixed old and new clips, so old validation and test clips became training
// clips. Refused before anything is synthesised (no espeak-ng needed).
TEST(DatasetTraining, SpeechGeneratorRefusesAnExistingSet) {
  const TempDir dir;
  std::filesystem::create_directories(dir.file("sc"));
  test::write_speech_dir(dir.file("sc"), 10, 3);
  const std::string validation = test::slurp(dir.file("sc/validation_list.txt"));
  const auto r = run_cli(dir, "data speech --out " + dir.file("sc") + " --per-word 3");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("data speech: --out " + dir.file("sc") + " holds a dataset already; pass --replace"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(test::slurp(dir.file("sc/validation_list.txt")), validation);
  for (const auto& name : dir.entries()) EXPECT_NE(name[0], '.') << "staging directory " << name << " left behind";
}

TEST(DatasetTraining, SpeechGeneratorNamesAMissingTool) {
  const TempDir dir;
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", dir.path().c_str(), 1);
  data::SpeechGeneratorOptions o;
  o.out_dir = dir.file("sc");
  o.per_word = 3;
  const std::string e = test::error_of([&] { data::generate_speech_commands(o); });
  setenv("PATH", saved.c_str(), 1);
  EXPECT_NE(e.find("espeak-ng: not found on PATH (install the Debian package espeak-ng)"), std::string::npos) << e;
}
