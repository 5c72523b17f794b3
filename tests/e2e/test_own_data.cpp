// End to end: `longconv train` and `eval` on the user-data datasets (tensors, folder, ucr) over tiny files in every
// format, written by the tests.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/formats/wav.h"
#include "io/safetensors.h"
#include "support/cli.h"
#include "support/helpers.h"
#include "support/jpeg_test_writer.h"
#include "support/numpy_writer.h"
#include "support/png_test_writer.h"
#include "support/temp_dir.h"
#include "support/train_smoke.h"

using namespace longconv;
using test::run_cli;
using test::TempDir;

namespace fs = std::filesystem;

namespace {

// Trains on `dataset` (test::train_smoke), requires success and returns stdout and the run's resolved config.
struct Trained {
  std::string out;
  YAML::Node config;
};
Trained trained(const TempDir& dir, const std::string& dataset) {
  const test::CliResult r = test::train_smoke(dir, dataset);
  EXPECT_EQ(r.code, 0) << r.err;
  return {r.out, r.code == 0 ? YAML::LoadFile(dir.file("smoke_run/config.yaml")) : YAML::Node()};
}

// Two classes of sequences [N, C, L] around 2: class 1 carries a step in the middle.
torch::Tensor sequences(int64_t n, int64_t channels, int64_t length, const torch::Tensor& y) {
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({n, channels, length}) * 0.1 + 2.0;
  x.narrow(2, length / 2, length / 4).add_(y.to(torch::kFloat32).view({n, 1, 1}));
  return x;
}

std::string npz(const torch::Tensor& x, const torch::Tensor& y, bool compressed, bool big_endian = false) {
  return test::npz_bytes({{"x.npy", test::npy_bytes(x, big_endian)}, {"y.npy", test::npy_bytes(y)}}, compressed);
}

// The test loss `longconv eval` prints.
double eval_test_loss(const TempDir& dir, const std::string& config) {
  const test::CliResult e = run_cli(dir, "eval " + config + " --checkpoint " + dir.file("smoke_run/best.ckpt"));
  EXPECT_EQ(e.code, 0) << e.err;
  const size_t at = e.out.find("test loss ");
  EXPECT_NE(at, std::string::npos) << e.out;
  return at == std::string::npos ? NAN : std::stod(e.out.substr(at + 10));
}

}  // namespace

TEST(OwnData, TensorsRunStoresTrainingStatisticsForEval) {
  const TempDir dir;
  const torch::Tensor y = torch::arange(40, torch::kInt64) % 2;
  const torch::Tensor x = sequences(40, 2, 16, y) * torch::tensor({1.0f, 3.0f}).view({1, 2, 1});
  fs::create_directories(dir.path() / "data");
  // One file per split (np.savez, np.savez_compressed, big-endian floats), so the training split is train.npz.
  test::write_file(dir.file("data/train.npz"), npz(x.slice(0, 0, 24), y.slice(0, 0, 24), false));
  test::write_file(dir.file("data/val.npz"), npz(x.slice(0, 24, 32), y.slice(0, 24, 32), true));
  test::write_file(dir.file("data/test.npz"), npz(x.slice(0, 32, 40), y.slice(0, 32, 40), true, true));
  const Trained t = trained(dir, "  name: tensors\n  path: " + dir.file("data") + "\n");
  ASSERT_TRUE(t.config) << t.out;
  EXPECT_NE(t.out.find("test accuracy at best validation: "), std::string::npos) << t.out;
  EXPECT_EQ(t.config["net"]["d_input"].as<int64_t>(), 2);
  EXPECT_EQ(t.config["net"]["d_output"].as<int64_t>(), 2);
  EXPECT_EQ(t.config["net"]["max_length"].as<int64_t>(), 16);

  // The training split's per-channel mean and population std are in the run's config.
  const torch::Tensor train_x = x.slice(0, 0, 24).to(torch::kFloat64).transpose(0, 1).reshape({2, -1});
  const auto mean = t.config["dataset"]["mean"].as<std::vector<double>>();
  const auto stddev = t.config["dataset"]["std"].as<std::vector<double>>();
  ASSERT_EQ(mean.size(), 2u);
  ASSERT_EQ(stddev.size(), 2u);
  for (int64_t c = 0; c < 2; ++c) {
    EXPECT_NEAR(mean[c], train_x[c].mean().item<double>(), 1e-6);
    EXPECT_NEAR(stddev[c], train_x[c].std(/*unbiased=*/false).item<double>(), 1e-6);
  }

  // eval of the run's config reproduces the test loss training logged.
  const auto logged = nlohmann::json::parse(test::slurp(dir.file("smoke_run/metrics.jsonl")));
  const std::string run_config = dir.file("smoke_run/config.yaml");
  const double trained_loss = logged["test_loss"].get<double>();
  EXPECT_NEAR(eval_test_loss(dir, run_config), trained_loss, 1e-5);
  // With other training data the run's config still standardises with the stored statistics, while the original
  // config, which computes them, now standardises differently.
  test::write_file(dir.file("data/train.npz"), npz(x.slice(0, 0, 24) * 5 + 7, y.slice(0, 0, 24), false));
  EXPECT_NEAR(eval_test_loss(dir, run_config), trained_loss, 1e-5);
  EXPECT_GT(std::abs(eval_test_loss(dir, dir.file("smoke.yaml")) - trained_loss), 1e-3);
}

TEST(OwnData, TensorsEveryTargetKindAndFileFormat) {
  const TempDir dir;
  const torch::Tensor y = torch::arange(24, torch::kInt64) % 3;
  const torch::Tensor x = sequences(24, 1, 12, y);
  // safetensors, regression targets.
  io::write_safetensors(dir.file("reg.safetensors"), {{"x", x}, {"y", y.to(torch::kFloat32).view({24, 1}) * 0.5}});
  Trained t = trained(dir, "  name: tensors\n  path: " + dir.file("reg.safetensors") + "\n");
  EXPECT_NE(t.out.find("test neg_mse at best validation: "), std::string::npos) << t.out;
  // A directory of .npy files (x in Fortran order), multi-label targets.
  fs::create_directories(dir.path() / "npy");
  test::write_file(dir.file("npy/x.npy"), test::npy_bytes(x, false, /*fortran_order=*/true));
  test::write_file(dir.file("npy/y.npy"), test::npy_bytes(torch::stack({y.eq(0), y.eq(1)}, 1).to(torch::kUInt8)));
  t = trained(dir, "  name: tensors\n  path: " + dir.file("npy") + "\n  test_split: 0.25\n");
  EXPECT_NE(t.out.find("test auroc at best validation: "), std::string::npos) << t.out;
  EXPECT_EQ(t.config["net"]["d_output"].as<int64_t>(), 2);
  // np.savez_compressed of int32 tokens with lengths: the embedding encoder, no statistics.
  const torch::Tensor tokens = torch::randint(0, 7, {24, 10}, torch::kInt64);
  const torch::Tensor lengths = torch::randint(3, 11, {24}, torch::kInt64);
  test::write_file(dir.file("tokens.npz"), test::npz_bytes({{"x.npy", test::npy_bytes(tokens.to(torch::kInt32))},
                                                            {"y.npy", test::npy_bytes(y)},
                                                            {"lengths.npy", test::npy_bytes(lengths)}},
                                                           true));
  t = trained(dir, "  name: tensors\n  path: " + dir.file("tokens.npz") + "\n");
  EXPECT_NE(t.out.find("test accuracy at best validation: "), std::string::npos) << t.out;
  EXPECT_EQ(t.config["net"]["encoder"].as<std::string>(), "embedding");
  EXPECT_EQ(t.config["net"]["d_output"].as<int64_t>(), 3);
  EXPECT_EQ(t.config["dataset"]["mean"].size(), 0u);
  // uint8 images flattened for MultiresNet, with a fixed class count.
  io::write_safetensors(dir.file("img.safetensors"),
                        {{"x", torch::randint(0, 256, {24, 3, 4, 4}, torch::kUInt8)}, {"y", y}});
  t = trained(dir, "  name: tensors\n  path: " + dir.file("img.safetensors") + "\n  flatten: true\n  classes: 5\n");
  EXPECT_EQ(t.config["net"]["max_length"].as<int64_t>(), 16);
  EXPECT_EQ(t.config["net"]["d_input"].as<int64_t>(), 3);
  EXPECT_EQ(t.config["net"]["d_output"].as<int64_t>(), 5);
}

TEST(OwnData, TensorsBadInputNamesTheFileOrKey) {
  const TempDir dir;
  test::write_file(dir.file("bad.npz"), "not a zip");
  test::CliResult r = test::train_smoke(dir, "  name: tensors\n  path: " + dir.file("bad.npz") + "\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find(dir.file("bad.npz") + ": not a ZIP archive"), std::string::npos) << r.err;
  r = test::train_smoke(dir, "  name: tensors\n  path: " + dir.file("none") + "\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find(dir.file("none") + ": no such file or directory"), std::string::npos) << r.err;
  r = test::train_smoke(dir, "  name: tensors\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("key 'dataset.path': empty"), std::string::npos) << r.err;
  r = test::train_smoke(dir, "  name: tensors\n  path: " + dir.file("bad.npz") + "\n  target: colours\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("dataset.target"), std::string::npos) << r.err;
  r = test::train_smoke(dir, "  name: tensors\n  path: x\n  test_split: 1.5\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("key 'dataset.test_split': expected in [0, 1), got 1.5"), std::string::npos) << r.err;
  r = test::train_smoke(dir, "  name: tensors\n  path: x\n  mean: [1, 2]\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("key 'dataset.std': 0 stds for 2 means"), std::string::npos) << r.err;
}

TEST(OwnData, FolderOfCsvPngJpegAndWavFiles) {
  const TempDir dir;
  for (const char* cls : {"calm", "jumpy"}) {
    fs::create_directories(dir.path() / "csv" / cls);
    fs::create_directories(dir.path() / "img" / cls);
    fs::create_directories(dir.path() / "wav" / cls);
  }
  for (int i = 0; i < 8; ++i) {
    const bool jumpy = i % 2;
    const std::string cls = jumpy ? "jumpy" : "calm";
    std::string csv = "a,b\n";
    for (int t = 0; t < 10 + i; ++t)
      csv += std::to_string(jumpy ? (t % 2) * 3.0 : 0.1 * t) + "," + std::to_string(t) + "\n";
    test::write_file(dir.file("csv/" + cls + "/" + std::to_string(i) + ".csv"), csv);
    std::vector<uint8_t> pixels(6 * 5 * 3);
    for (size_t k = 0; k < pixels.size(); ++k) pixels[k] = static_cast<uint8_t>(jumpy ? (k * 53) % 256 : 128);
    if (i % 3 == 0)
      test::write_jpeg(dir.file("img/" + cls + "/" + std::to_string(i) + ".jpg"), 6, 5, 3, pixels);
    else
      testing_png::write_png(dir.file("img/" + cls + "/" + std::to_string(i) + ".png"), 6, 5, 3, pixels);
    std::vector<int16_t> samples;
    const int64_t rate = i < 4 ? 8000 : 16000;
    for (int64_t t = 0; t < rate / 10; ++t)
      samples.push_back(static_cast<int16_t>(8000 * std::sin(2 * M_PI * (jumpy ? 900 : 200) * t / rate)));
    test::write_file(dir.file("wav/" + cls + "/" + std::to_string(i) + ".wav"), data::encode_wav_pcm16(samples, rate));
  }
  const std::string splits = "  val_split: 0.25\n  test_split: 0.25\n";
  // CSV: two channels, the longest file's 17 rows.
  Trained t = trained(dir, "  name: folder\n  path: " + dir.file("csv") + "\n" + splits);
  EXPECT_NE(t.out.find("test accuracy at best validation: "), std::string::npos) << t.out;
  EXPECT_EQ(t.config["net"]["d_input"].as<int64_t>(), 2);
  EXPECT_EQ(t.config["net"]["max_length"].as<int64_t>(), 17);
  EXPECT_EQ(t.config["dataset"]["mean"].size(), 2u);
  // PNG and JPEG resized to 4x4 and flattened.
  t = trained(dir, "  name: folder\n  path: " + dir.file("img") + "\n  size: [4, 4]\n  flatten: true\n" + splits);
  EXPECT_EQ(t.config["net"]["d_input"].as<int64_t>(), 3);
  EXPECT_EQ(t.config["net"]["max_length"].as<int64_t>(), 16);
  // WAV at 8 and 16 kHz, 0.1 s each, resampled to 4 kHz.
  t = trained(dir, "  name: folder\n  path: " + dir.file("wav") + "\n  sample_rate: 4000\n" + splits);
  EXPECT_EQ(t.config["net"]["max_length"].as<int64_t>(), 400);
  const test::CliResult r = test::train_smoke(dir, "  name: folder\n  path: " + dir.file("wav") + "\n" + splits);
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("give dataset.sample_rate to resample"), std::string::npos) << r.err;
  const test::CliResult bad =
      test::train_smoke(dir, "  name: folder\n  path: " + dir.file("img") + "\n  size: [4, 0]\n");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.err.find("key 'dataset.size': [4, 0] is not [side] or [height, width]"), std::string::npos) << bad.err;
}

TEST(OwnData, UcrTsAndTsvProblems) {
  const TempDir dir;
  fs::create_directories(dir.path() / "Waves");
  fs::create_directories(dir.path() / "Pairs");
  std::string ts =
      "@problemName Waves\n@timeStamps false\n@missing true\n@univariate false\n@dimensions 2\n"
      "@equalLength false\n@classLabel true up down\n@data\n";
  std::string tsv;
  for (int i = 0; i < 16; ++i) {
    const bool up = i % 2;
    std::string a, b;
    for (int t = 0; t < 8 + i % 3; ++t) {
      a += (t ? "," : "") + std::to_string(up ? t : -t);
      b += (t ? "," : "") + (t == 3 ? std::string("?") : std::to_string(t % 2));
    }
    ts += a + ":" + b + ":" + (up ? "up" : "down") + "\n";
    tsv += std::string(up ? "1" : "-1");
    for (int t = 0; t < 12; ++t) tsv += "\t" + (t < 10 ? std::to_string(up ? 0.5 * t : -0.5 * t) : std::string("NaN"));
    tsv += "\n";
  }
  test::write_file(dir.file("Waves/Waves_TRAIN.ts"), ts);
  test::write_file(dir.file("Waves/Waves_TEST.ts"), ts);
  test::write_file(dir.file("Pairs/Pairs_TRAIN.tsv"), tsv);
  test::write_file(dir.file("Pairs/Pairs_TEST.tsv"), tsv);
  // .ts: multivariate, unequal lengths up to 10, missing values.
  Trained t = trained(dir, "  name: ucr\n  path: " + dir.file("Waves") + "\n");
  EXPECT_NE(t.out.find("test accuracy at best validation: "), std::string::npos) << t.out;
  EXPECT_EQ(t.config["net"]["d_input"].as<int64_t>(), 2);
  EXPECT_EQ(t.config["net"]["max_length"].as<int64_t>(), 10);
  // .tsv: the archive's NaN padding cut off.
  t = trained(dir, "  name: ucr\n  path: " + dir.file("Pairs/Pairs_TRAIN.tsv") + "\n");
  EXPECT_EQ(t.config["net"]["d_input"].as<int64_t>(), 1);
  EXPECT_EQ(t.config["net"]["max_length"].as<int64_t>(), 10);
  test::write_file(dir.file("Waves/Waves_TEST.ts"), ts + "1,2:3,4:sideways\n");
  const test::CliResult r = test::train_smoke(dir, "  name: ucr\n  path: " + dir.file("Waves") + "\n");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("Waves_TEST.ts: line 25: label 'sideways' is not in @classLabel"), std::string::npos) << r.err;
}

TEST(OwnData, KeysAndListShowTheDatasets) {
  const TempDir dir;
  const auto keys = [&](const std::string& name) {
    test::write_file(dir.file("keys.yaml"), "net:\n  type: MultiresNet\ndataset:\n  name: " + name + "\n");
    const test::CliResult r = run_cli(dir, "keys " + dir.file("keys.yaml"));
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  };
  const std::string tensors = keys("tensors");
  for (const char* line :
       {"dataset.path (string, default ): a .safetensors or .npz file",
        "dataset.target (string, default auto one of [auto, classes, multi_label, per_step, regression]): what y holds",
        "dataset.classes (int or null, default null >= 1): number of classes",
        "dataset.normalize (bool, default true): standardise each input channel",
        "dataset.mean (list of floats, default []): per-channel means; empty: the training split's",
        "dataset.std (list of floats, default []): per-channel stds",
        "dataset.flatten (bool, default false): images [C, H, W] as sequences",
        "dataset.test_split (float, default 0.1 in [0, 1)): fraction of the training examples held out for testing",
        "dataset.val_split (float, default 0.1 in [0, 1)): fraction of the training set held out for validation",
        "dataset.split_seed (int, default 42): seed"})
    EXPECT_NE(tensors.find(line), std::string::npos) << line << "\n" << tensors;
  const std::string folder = keys("folder");
  for (const char* line : {"dataset.sample_rate (int or null, default null >= 1): WAV: resample every clip",
                           "dataset.length (int or null, default null >= 1): WAV, CSV/TSV: steps per example",
                           "dataset.size (list of ints, default []): images: [height, width] or [side]",
                           "dataset.test_split (float, default 0.1 in [0, 1))"})
    EXPECT_NE(folder.find(line), std::string::npos) << line << "\n" << folder;
  EXPECT_EQ(folder.find("dataset.target"), std::string::npos) << folder;  // the class folders are the targets
  const std::string ucr = keys("ucr");
  EXPECT_NE(ucr.find("dataset.path (string, default ): a problem's folder NAME/"), std::string::npos) << ucr;
  EXPECT_NE(ucr.find("dataset.mean (list of floats, default [])"), std::string::npos) << ucr;
  EXPECT_EQ(ucr.find("dataset.classes"), std::string::npos) << ucr;
  EXPECT_EQ(ucr.find("dataset.sample_rate"), std::string::npos) << ucr;

  const test::CliResult list = run_cli(dir, "list");
  ASSERT_EQ(list.code, 0) << list.err;
  for (const char* name : {"tensors ", "folder ", "ucr "}) EXPECT_NE(list.out.find(name), std::string::npos) << name;
}
