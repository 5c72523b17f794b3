// The installed package end to end: `cmake --install` of this build into a temporary prefix that names neither the
// source nor the build tree; each example copied out of the source tree, configured against that prefix alone with
// find_package(longconv), built, and run on a run trained here by the CLI; its class probabilities must equal
// `longconv forward` on the same inputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "io/png_reader.h"
#include "io/safetensors.h"
#include "io/state_dict.h"
#include "support/cli.h"
#include "support/helpers.h"
#include "support/pathfinder_writer.h"
#include "support/speech_dir.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/run_config.h"

namespace {

namespace fs = std::filesystem;
using longconv::test::CliResult;
using longconv::test::run_cli;
using longconv::test::run_shell;
using longconv::test::TempDir;

const std::string kCmake = LONGCONV_CMAKE;

// Installs this build into <dir>/prefix; every installed file is checked for the source and build paths.
std::string install(const TempDir& dir) {
  const std::string prefix = dir.file("prefix");
  const CliResult r = run_shell(dir, kCmake + " --install " + LONGCONV_BUILD_DIR + " --prefix " + prefix);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  for (const char* file :
       {"bin/longconv", "lib/liblongconv.a", "include/longconv/longconv.h", "lib/cmake/longconv/longconvConfig.cmake",
        "lib/cmake/longconv/longconvConfigVersion.cmake", "lib/cmake/longconv/longconvTargets.cmake"})
    EXPECT_TRUE(fs::is_regular_file(fs::path(prefix) / file)) << file;
  // The compiled files may hold source paths in LibTorch's error locations (__FILE__, absolute without ccache), which
  // nothing reads; a build-tree path there would be an RPATH or a generated file.
  const std::set<std::string> compiled = {prefix + "/bin/longconv", prefix + "/lib/liblongconv.a"};
  for (const auto& entry : fs::recursive_directory_iterator(prefix)) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = longconv::test::slurp(entry.path().string());
    if (!compiled.count(entry.path().string())) {
      EXPECT_EQ(bytes.find(LONGCONV_SOURCE_DIR), std::string::npos) << entry.path() << " names the source tree";
    }
    EXPECT_EQ(bytes.find(LONGCONV_BUILD_DIR), std::string::npos) << entry.path() << " names the build tree";
  }
  return prefix;
}

// examples/<name> copied to <dir>/<name>, configured against `prefix` alone and built (one configure + build).
CliResult build_example(const TempDir& dir, const std::string& name, const std::string& prefix) {
  const fs::path source = dir.path() / name;
  fs::copy(fs::path(LONGCONV_SOURCE_DIR) / "examples" / name, source, fs::copy_options::recursive);
  const std::string build = (source / "build").string();
  return run_shell(dir, kCmake + " -S " + source.string() + " -B " + build +
                            " -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=" + prefix + " && " + kCmake +
                            " --build " + build + " -j2");
}

// The run's best.ckpt as the safetensors state_dict that `longconv forward --weights` reads.
std::string export_weights(const TempDir& dir, const std::string& run) {
  const longconv::Config config = longconv::train::load_run_config(run + "/config.yaml", {});
  longconv::models::Net net = longconv::train::build_net(config);
  longconv::train::load_checkpoint(run + "/best.ckpt", *net.module);
  const std::string path = dir.file("weights.safetensors");
  longconv::io::write_safetensors(path, longconv::io::state_dict(*net.module));
  return path;
}

// softmax of `longconv forward`'s y on x.
torch::Tensor forward_probabilities(const TempDir& dir, const std::string& run, const torch::Tensor& x) {
  longconv::io::write_safetensors(dir.file("in.safetensors"), {{"x", x}});
  const CliResult r =
      run_cli(dir, "forward " + run + "/config.yaml --weights " + export_weights(dir, run) + " --input " +
                       dir.file("in.safetensors") + " --output " + dir.file("out.safetensors"));
  EXPECT_EQ(r.code, 0) << r.err;
  return torch::softmax(longconv::io::read_safetensors(dir.file("out.safetensors")).tensors.at("y"), 1);
}

// The numbers after "probs" on each line of `out` that has them, one row per line.
torch::Tensor printed_probabilities(const std::string& out) {
  std::vector<torch::Tensor> rows;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find(" probs ");
    if (at == std::string::npos) continue;
    std::istringstream numbers(line.substr(at + 7));
    std::vector<double> row;
    for (double p; numbers >> p;) row.push_back(p);
    rows.push_back(torch::tensor(row, torch::kFloat64));
  }
  return rows.empty() ? torch::Tensor() : torch::stack(rows);
}

// `train` of `config_body` (net, dataset and train sections; out_dir appended) into <dir>/run.
std::string train(const TempDir& dir, const std::string& config_body) {
  const std::string run = dir.file("run");
  longconv::test::write_file(dir.file("train.yaml"), config_body + "  out_dir: " + run + "\n");
  const CliResult r = run_cli(dir, "train " + dir.file("train.yaml"));
  EXPECT_EQ(r.code, 0) << r.err;
  return run;
}

TEST(InstalledPackage, StreamWavClassifierMatchesForward) {
  TempDir dir;
  const std::string data = dir.file("speech");
  longconv::test::write_speech_dir(data, 10, 3);
  const std::string run = train(dir,
                                "seed: 1\nthreads: 2\n"
                                "net:\n  type: MultiresNet\n  d_model: 8\n  n_layers: 2\n  dropout: 0\n"
                                "dataset:\n  name: speech_commands\n  data_dir: " +
                                    data +
                                    "\n  features: raw\n  normalize: false\n"
                                    "train:\n  epochs: 2\n  batch_size: 5\n");
  const std::string prefix = install(dir);
  const CliResult built = build_example(dir, "stream_wav_classifier", prefix);
  ASSERT_EQ(built.code, 0) << built.out << built.err;

  const std::vector<std::string> words = {"yes", "up", "go"};
  std::string files;
  std::vector<torch::Tensor> clips;
  for (const std::string& word : words) {
    const std::string file = data + "/" + word + "/clip1_nohash_0.wav";  // test clips
    files += " " + file;
    std::vector<int16_t> pcm = longconv::data::read_wav(file).samples;
    clips.push_back(torch::tensor(std::vector<int64_t>(pcm.begin(), pcm.end())).to(torch::kFloat32) / 32768.0);
  }
  const CliResult r = run_shell(
      dir, (dir.path() / "stream_wav_classifier" / "build" / "stream_wav_classifier").string() + " " + run + files);
  ASSERT_EQ(r.code, 0) << r.err;
  // Four chunks of 4000 samples per file, then the final line.
  EXPECT_NE(r.out.find("clip1_nohash_0.wav t=0.750 class="), std::string::npos) << r.out;
  const torch::Tensor streamed = printed_probabilities(r.out);
  const torch::Tensor full = forward_probabilities(dir, run, torch::stack(clips).unsqueeze(1)).to(torch::kFloat64);
  ASSERT_EQ(streamed.sizes(), full.sizes()) << r.out;
  EXPECT_LT((streamed - full).abs().max().item<double>(), 2e-4) << r.out << "\nforward:\n" << full;
  EXPECT_GT((std::get<0>(full.max(1)) - std::get<0>(full.min(1))).min().item<double>(), 0.01);  // not uniform: a real check
}

TEST(InstalledPackage, ImageClassifierMatchesForward) {
  TempDir dir;
  const std::string data = dir.file("lra");
  longconv::test::write_pathfinder_dir(data, 8);
  const std::string run = train(dir,
                                "seed: 1\nthreads: 2\n"
                                "net:\n  type: MultiresNet\n  d_model: 8\n  n_layers: 1\n  dropout: 0\n"
                                "dataset:\n  name: pathfinder\n  data_dir: " +
                                    data +
                                    "\n"
                                    "train:\n  epochs: 2\n  batch_size: 4\n");
  const std::string prefix = install(dir);
  const CliResult built = build_example(dir, "image_classifier", prefix);
  ASSERT_EQ(built.code, 0) << built.out << built.err;

  std::string files;
  std::vector<torch::Tensor> images;
  for (int k = 0; k < 4; ++k) {
    const std::string file = data + "/pathfinder32/curv_contour_length_14/imgs/2/sample_" + std::to_string(k) + ".png";
    files += " " + file;
    longconv::io::DecodedImage png = longconv::io::read_png(file);
    images.push_back(torch::tensor(std::vector<int64_t>(png.pixels.begin(), png.pixels.end())).to(torch::kFloat32) /
                     255.0);
  }
  const CliResult r =
      run_shell(dir, (dir.path() / "image_classifier" / "build" / "image_classifier").string() + " " + run + files);
  ASSERT_EQ(r.code, 0) << r.err;
  const torch::Tensor printed = printed_probabilities(r.out);
  const torch::Tensor full = forward_probabilities(dir, run, torch::stack(images).unsqueeze(1)).to(torch::kFloat64);
  ASSERT_EQ(printed.sizes(), full.sizes()) << r.out;
  EXPECT_LT((printed - full).abs().max().item<double>(), 2e-6) << r.out << "\nforward:\n" << full;
}

}  // namespace
