// `longconv train` runs every config shipped in configs/ccnn (the CCNN paper's, top level) and configs/multires end to
// end, one training batch and one validation and test batch each, on tiny data written in the dataset's published
// format. The command line overrides only the device and thread count, the data and output directories, the run length
// and the batch sizes: the network, kernel, mask, conv, optimizer, schedule and dataset options are the config's own.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "data/datasets/pathfinder.h"
#include "support/cifar_writer.h"
#include "support/cli.h"
#include "support/listops_writer.h"
#include "support/mnist_writer.h"
#include "support/modelnet_writer.h"
#include "support/pathfinder_writer.h"
#include "support/ptbxl_dir.h"
#include "support/speech_dir.h"
#include "support/stl10_writer.h"
#include "support/temp_dir.h"

using namespace longconv;
namespace fs = std::filesystem;

namespace {

// Folders whose every config (top level only; configs/ccnn/small holds reduced variants) needs a case below.
const char* const kConfigDirs[] = {"ccnn", "multires"};

struct PaperConfig {
  std::string file;    // under configs/
  std::string metric;  // the objective's name in the summary line
  int64_t batch_size;  // train and eval
};

void PrintTo(const PaperConfig& c, std::ostream* os) { *os << c.file; }

// Two examples per batch keep a batch dimension; one where the full-size model takes long on one core: STL-10 resized
// to 256x256 (dataset.size), raw 16000-sample speech, and the 48-layer MultiresAR over 3072 CIFAR-10 values.
std::vector<PaperConfig> paper_configs() {
  return {
      {"ccnn/cifar100_4_140.yaml", "accuracy", 2},
      {"ccnn/cifar100_6_380.yaml", "accuracy", 2},
      {"ccnn/cifar10_4_140.yaml", "accuracy", 2},
      {"ccnn/cifar10_6_380.yaml", "accuracy", 2},
      {"ccnn/listops_4_140.yaml", "accuracy", 2},
      {"ccnn/modelnet40_4_110.yaml", "accuracy", 2},
      {"ccnn/modelnet40_4_16.yaml", "accuracy", 2},
      {"ccnn/modelnet40_4_32.yaml", "accuracy", 2},
      {"ccnn/modelnet40_4_48.yaml", "accuracy", 2},
      {"ccnn/modelnet40_6_380.yaml", "accuracy", 2},
      {"ccnn/listops_6_380.yaml", "accuracy", 2},
      {"ccnn/lra_image_2d_4_140.yaml", "accuracy", 2},
      {"ccnn/lra_image_2d_6_380.yaml", "accuracy", 2},
      {"ccnn/lra_image_4_140.yaml", "accuracy", 2},
      {"ccnn/lra_image_6_380.yaml", "accuracy", 2},
      {"ccnn/pathfinder_2d_4_140.yaml", "accuracy", 2},
      {"ccnn/pathfinder_2d_6_380.yaml", "accuracy", 2},
      {"ccnn/pathfinder_4_140.yaml", "accuracy", 2},
      {"ccnn/pathfinder_6_380.yaml", "accuracy", 2},
      {"ccnn/pmnist_4_140.yaml", "accuracy", 2},
      {"ccnn/pmnist_6_380.yaml", "accuracy", 2},
      {"ccnn/scifar10_4_140.yaml", "accuracy", 2},
      {"ccnn/scifar10_6_380.yaml", "accuracy", 2},
      {"ccnn/smnist_4_140.yaml", "accuracy", 2},
      {"ccnn/smnist_6_380.yaml", "accuracy", 2},
      {"ccnn/speech_mfcc_4_140.yaml", "accuracy", 2},
      {"ccnn/speech_mfcc_6_380.yaml", "accuracy", 2},
      {"ccnn/speech_raw_4_140.yaml", "accuracy", 1},
      {"ccnn/speech_raw_6_380.yaml", "accuracy", 1},
      {"ccnn/stl10_4_140.yaml", "accuracy", 1},
      {"ccnn/stl10_6_380.yaml", "accuracy", 1},
      {"multires/cifar_ar.yaml", "bits_per_dim", 1},
      {"multires/fashion_mnist_ar.yaml", "bits_per_dim", 2},
      {"multires/listops.yaml", "accuracy", 2},
      {"multires/listops_small.yaml", "accuracy", 2},
      {"multires/ptbxl.yaml", "auroc", 2},
      {"multires/seq_cifar.yaml", "accuracy", 2},
      {"multires/speech_generated.yaml", "accuracy", 2},
  };
}

std::string configs_dir() { return std::string(LONGCONV_SOURCE_DIR) + "/configs/"; }

// The fewest examples per split that the dataset's reader and split fractions accept with a validation and a test
// batch: e.g. val_split 0.1 of 10 training images holds out one.
void write_tiny_dataset(const YAML::Node& dataset, const std::string& dir) {
  const std::string name = dataset["name"].as<std::string>();
  if (name == "mnist" || name == "fashion_mnist") {
    test::write_mnist_split(dir, "train", 12);
    test::write_mnist_split(dir, "t10k", 2);
  } else if (name == "cifar10") {
    test::write_cifar10(dir);
  } else if (name == "cifar100") {
    test::write_cifar100(dir, 10, 2);
  } else if (name == "stl10") {
    test::write_stl10_split(dir, "train", 0, 10);
    test::write_stl10_split(dir, "test", 10, 2);
  } else if (name == "listops") {
    test::write_listops_splits(dir);
  } else if (name == "pathfinder") {
    test::write_pathfinder_dir(dir, 5,
                               data::pathfinder_difficulty_dir(*parse_enum(
                                   data::kPathfinderDifficultyNames, dataset["difficulty"].as<std::string>("hard"))));
  } else if (name == "speech_commands") {
    test::write_speech_dir(dir, dataset["classes"].as<int64_t>(10), 3);
  } else if (name == "modelnet") {
    test::write_modelnet_tree(dir, dataset["modelnet_name"].as<int>(40), 1);
  } else if (name == "ptbxl") {
    test::write_ptbxl_dir(dir, 50);  // records 46-50 make fold 10, the test fold
  } else {
    FAIL() << "no tiny data writer for dataset '" << name << "'";
  }
}

// Overrides that shrink a dataset's examples for one step here: ModelNet's 512 points with 256 neighbours each make
// a step of minutes.
std::string tiny_overrides(const YAML::Node& dataset) {
  if (dataset["name"].as<std::string>() == "modelnet")
    return " dataset.num_nodes=16 dataset.neighbours=8 kernel.num_edges=8";
  return "";
}

// Full names: PaperConfigs/TrainEndToEnd.OnTinyData/<folder>_<config>.
class TrainEndToEnd : public ::testing::TestWithParam<PaperConfig> {};

TEST_P(TrainEndToEnd, OnTinyData) {
  const PaperConfig& c = GetParam();
  const std::string config = configs_dir() + c.file;
  const test::TempDir dir;
  const std::string data = dir.file("data");
  fs::create_directories(data);
  const YAML::Node dataset = YAML::LoadFile(config)["dataset"];
  ASSERT_NO_FATAL_FAILURE(write_tiny_dataset(dataset, data));
  const std::string batch = std::to_string(c.batch_size);
  // threads=1: with every core (threads 0), libgomp's spin-waiting threads make these short runs up to 20x slower on a
  // busy machine (or under ctest -j).
  const test::CliResult r = test::run_cli(
      dir, "train " + config + " device=cpu threads=1 dataset.data_dir=" + data + " train.out_dir=" + dir.file("run") +
               " train.epochs=1 train.max_train_batches=1 train.max_eval_batches=1 train.batch_size=" + batch +
               " train.eval_batch_size=" + batch + tiny_overrides(dataset));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test " + c.metric + " at best validation: "), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir.file("run/best.ckpt")));
}

std::string case_name(const ::testing::TestParamInfo<PaperConfig>& info) {
  std::string name = fs::path(info.param.file).replace_extension().string();
  std::replace(name.begin(), name.end(), '/', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(PaperConfigs, TrainEndToEnd, ::testing::ValuesIn(paper_configs()), case_name);

}  // namespace

TEST(PaperConfigsCoverage, EveryShippedConfigHasACase) {
  std::set<std::string> shipped, covered;
  for (const char* folder : kConfigDirs)
    for (const auto& entry : fs::directory_iterator(configs_dir() + folder))
      if (entry.path().extension() == ".yaml")
        shipped.insert(std::string(folder) + "/" + entry.path().filename().string());
  for (const auto& c : paper_configs()) covered.insert(c.file);
  for (const auto& file : shipped)
    EXPECT_TRUE(covered.count(file)) << "configs/" << file << " has no case in tests/test_paper_configs.cpp";
  for (const auto& file : covered) EXPECT_TRUE(shipped.count(file)) << "configs/" << file << " is not shipped";
}
