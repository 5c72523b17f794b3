#include "data/registry.h"

#include <algorithm>

#include <fmt/format.h>

#include "data/datasets/adding_problem.h"
#include "data/datasets/cifar.h"
#include "data/datasets/copy_memory.h"
#include "data/datasets/listops.h"
#include "data/datasets/mnist.h"
#include "data/datasets/pathfinder.h"
#include "data/datasets/ptbxl.h"
#include "data/datasets/speech_commands.h"
#include "data/datasets/stl10.h"
#include "data/datasets/voxel_solids.h"

namespace longconv::data {
namespace {

// dataset.task for the image datasets that also serve autoregressive density estimation.
void add_task_key(Schema& s) {
  s.add_string("task", "classification",
               "classification: labels; density: pixels for autoregressive modelling, rescaled to [-1, 1] "
               "(normalize does not apply)",
               {"classification", "density"});
}

Task task_of(const Config& config) {
  return config.get_string("dataset.task") == "density" ? Task::Density : Task::Classification;
}

void add_mnist_keys(Schema& s) {
  s.add_string("layout", "sequence",
               "sequence: [1, 784] pixels in raster order; permuted: the same, permuted; "
               "image: [1, 28, 28]",
               {"sequence", "permuted", "image"})
      .add_int("permutation_seed", 0, "seed of the fixed pixel permutation (layout: permuted)")
      .add_bool("normalize", true, "standardize pixels with the dataset's mean and std (else scale to [0, 1])");
  add_task_key(s);
}

// MNIST and Fashion-MNIST differ only in where their files live and their pixel statistics.
DatasetType mnist_family(std::string name, std::string help, std::string default_dir, double mean, double stddev) {
  auto build = [default_dir = std::move(default_dir), mean, stddev](const Config& config) {
    MnistOptions o;
    o.data_dir = config.get_opt_string("dataset.data_dir").value_or(default_dir);
    o.layout = config.get_string("dataset.layout");
    o.permutation_seed = static_cast<uint64_t>(config.get_int("dataset.permutation_seed"));
    o.normalize = config.get_bool("dataset.normalize");
    o.mean = mean;
    o.stddev = stddev;
    o.task = task_of(config);
    o.val_split = config.get_float("dataset.val_split");
    o.split_seed = static_cast<uint64_t>(config.get_int("dataset.split_seed"));
    return make_mnist_splits(o);
  };
  return {std::move(name), std::move(help), add_mnist_keys, std::move(build)};
}

// CIFAR-10 and CIFAR-100 share a reader; `normalize` picks whose per-channel statistics (the papers differ).
DatasetType cifar(int64_t classes, std::string help, std::string default_dir, std::vector<std::string> stats) {
  auto schema = [stats](Schema& s) {
    s.add_string("layout", "sequence", "sequence: [C, 1024] pixels in raster order; image: [C, 32, 32]",
                 {"sequence", "image"})
        .add_bool("grayscale", false,
                  "one channel from PIL's RGB->L, normalised with mean 122.6/255, std 61/255 (LRA Image)")
        .add_bool("augment", false, "training-time random crop 32 (symmetric padding 4) and horizontal flip")
        .add_string("normalize", "ccnn",
                    "per-channel mean/std of the colour images: ccnn (datamodules/) or multires "
                    "(classification.py's stds 0.2023, 0.1994, 0.2010)",
                    stats);
    add_task_key(s);
  };
  auto build = [classes, default_dir = std::move(default_dir)](const Config& config) {
    CifarOptions o;
    o.data_dir = config.get_opt_string("dataset.data_dir").value_or(default_dir);
    o.classes = classes;
    o.layout = config.get_string("dataset.layout");
    o.grayscale = config.get_bool("dataset.grayscale");
    o.augment = config.get_bool("dataset.augment");
    o.normalize = config.get_string("dataset.normalize");
    o.task = task_of(config);
    o.val_split = config.get_float("dataset.val_split");
    o.split_seed = static_cast<uint64_t>(config.get_int("dataset.split_seed"));
    return make_cifar_splits(o);
  };
  return {"cifar" + std::to_string(classes), std::move(help), std::move(schema), std::move(build)};
}

DatasetType listops() {
  auto schema = [](Schema& s) {
    s.add_int("l_max", 2048, "tokens per example including the appended <eos> (longer sources are cut)")
        .add_string("padding", "right",
                    "right: int64 tokens padded on the right with lengths (MultiresNet); left: float token ids "
                    "[1, l_max] padded on the left (CCNN's loader)",
                    {"right", "left"});
  };
  auto build = [](const Config& config) {
    ListOpsOptions o;
    o.data_dir = config.get_opt_string("dataset.data_dir").value_or("data/listops-1000");
    o.l_max = config.get_int("dataset.l_max");
    o.padding = config.get_string("dataset.padding");
    return make_listops_splits(o);
  };
  return {"listops", "Long ListOps (LRA TSV files basic_{train,val,test}.tsv): expressions -> value, 10 classes",
          std::move(schema), std::move(build)};
}

DatasetType pathfinder() {
  auto schema = [](Schema& s) {
    s.add_string("difficulty", "hard",
                 "easy: curv_baseline; intermediate: curv_contour_length_9; hard: curv_contour_length_14",
                 {"easy", "intermediate", "hard"})
        .add_int("resolution", 32, "image side: reads pathfinder<resolution>/")
        .add_string("layout", "sequence", "sequence: [1, R*R] pixels in raster order; image: [1, R, R]",
                    {"sequence", "image"})
        .add_float("test_split", 0.1, "fraction of the images held out for testing (val_split: for validation)");
  };
  auto build = [](const Config& config) {
    PathfinderOptions o;
    o.data_dir = config.get_opt_string("dataset.data_dir").value_or("data/lra_release");
    o.difficulty = config.get_string("dataset.difficulty");
    o.resolution = config.get_int("dataset.resolution");
    o.layout = config.get_string("dataset.layout");
    o.val_split = config.get_float("dataset.val_split");
    o.test_split = config.get_float("dataset.test_split");
    o.split_seed = static_cast<uint64_t>(config.get_int("dataset.split_seed"));
    return make_pathfinder_splits(o);
  };
  return {"pathfinder", "LRA Pathfinder (lra_release/pathfinder<R>/ PNGs + metadata): connected dots?, 2 classes",
          std::move(schema), std::move(build)};
}

DatasetType stl10() {
  auto schema = [](Schema& s) {
    s.add_int("size", 256, "images are resized (bilinear) to size x size; CCNN uses 256, 96 keeps them")
        .add_bool("augment", false,
                  "training-time resize to size*17/16, rotation in [-15, 15] degrees, random crop, flip (CCNN)")
        .add_string("layout", "image", "image: [3, size, size]; sequence: [3, size*size] in raster order",
                    {"sequence", "image"});
  };
  auto build = [](const Config& config) {
    Stl10Options o;
    o.data_dir = config.get_opt_string("dataset.data_dir").value_or("data/stl10_binary");
    o.size = config.get_int("dataset.size");
    o.augment = config.get_bool("dataset.augment");
    o.layout = config.get_string("dataset.layout");
    o.val_split = config.get_float("dataset.val_split");
    o.split_seed = static_cast<uint64_t>(config.get_int("dataset.split_seed"));
    return make_stl10_splits(o);
  };
  return {"stl10", "STL-10 (stl10_binary): 96x96 colour images, 10 classes", std::move(schema), std::move(build)};
}

// Integer keys with a fixed set of values (the schema checks only the type).
int64_t get_int_choice(const Config& config, const std::string& key, std::initializer_list<int64_t> allowed) {
  const int64_t value = config.get_int(key);
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
    throw ConfigError(
        fmt::format("{}: key '{}': {} is not one of {}", config.origin(), key, value, fmt::join(allowed, ", ")));
  return value;
}

DatasetType speech_commands() {
  auto schema = [](Schema& s) {
    s.add_int("classes", 10, "10: yes/no/up/down/left/right/on/off/stop/go (CKConv/CCNN); 35: every word (S4's SC35)")
        .add_string("features", "raw", "raw: [1, 16000] waveform; mfcc: [20, 161] MFCC (torchaudio's, as CCNN)",
                    {"raw", "mfcc"})
        .add_bool("normalize", true, "standardise each channel with training-split statistics (as CCNN)")
        .add_int("test_rate_factor", 1, "2: test on every second step (raw: 8 kHz), for resolution change");
  };
  auto build = [](const Config& config) {
    SpeechCommandsOptions o;
    o.data_dir = config.get_opt_string("dataset.data_dir").value_or("data/speech_commands");
    o.classes = get_int_choice(config, "dataset.classes", {10, 35});
    o.features = config.get_string("dataset.features");
    o.normalize = config.get_bool("dataset.normalize");
    o.test_rate_factor = get_int_choice(config, "dataset.test_rate_factor", {1, 2});
    return make_speech_commands_splits(o);
  };
  return {"speech_commands",
          "Speech Commands v0.02: 1 s 16 kHz clips of spoken words in <word>/ folders with validation_list.txt and "
          "testing_list.txt (`longconv data speech` writes a synthetic set); val_split is not used",
          schema, build};
}

DatasetType ptbxl() {
  auto schema = [](Schema& s) {
    s.add_string("task", "superdiagnostic", "label set (multi-label targets)",
                 {"all", "diagnostic", "subdiagnostic", "superdiagnostic", "form", "rhythm"})
        .add_bool("normalize", true, "standardise with the mean and std of every training value (as the reference)");
  };
  auto build = [](const Config& config) {
    PtbxlOptions o;
    o.data_dir = config.get_opt_string("dataset.data_dir").value_or("data/ptbxl");
    o.task = config.get_string("dataset.task");
    o.normalize = config.get_bool("dataset.normalize");
    return make_ptbxl_splits(o);
  };
  return {"ptbxl",
          "PTB-XL 100 Hz ECGs (12 leads x 1000 samples), multi-label; folds 1-8 train, 9 validation, 10 test; "
          "val_split is not used",
          schema, build};
}

// Generated datasets: how many examples and from which seed.
void add_generated_keys(Schema& s, int64_t train_size, int64_t test_size) {
  s.add_int("train_size", train_size, "generated training examples (the validation split is held out of them)")
      .add_int("test_size", test_size, "generated test examples")
      .add_int("seed", 0, "seed of the generated examples");
}

GeneratedSizes generated_sizes(const Config& config) {
  GeneratedSizes sizes;
  sizes.train_size = config.get_int("dataset.train_size");
  sizes.test_size = config.get_int("dataset.test_size");
  sizes.seed = static_cast<uint64_t>(config.get_int("dataset.seed"));
  sizes.val_split = config.get_float("dataset.val_split");
  sizes.split_seed = static_cast<uint64_t>(config.get_int("dataset.split_seed"));
  return sizes;
}

DatasetType voxel_solids() {
  auto schema = [](Schema& s) {
    add_generated_keys(s, 6000, 1200);
    s.add_int("resolution", 16, "voxels per grid edge: x is [1, resolution, resolution, resolution]");
  };
  auto build = [](const Config& config) {
    VoxelSolidsOptions o;
    o.resolution = config.get_int("dataset.resolution");
    o.sizes = generated_sizes(config);
    return make_voxel_solids_splits(o);
  };
  return {"voxel_solids",
          "generated 3D occupancy grids of sphere, cube, cylinder, cone, torus, octahedron (random size, pose), 6 "
          "classes",
          schema, build};
}

DatasetType copy_memory() {
  auto schema = [](Schema& s) {
    add_generated_keys(s, 10000, 1000);
    s.add_int("memory_size", 1000, "T: blank steps between the symbols and the marker; length T + 2 copy_length")
        .add_int("copy_length", 10, "K: symbols to remember and copy");
  };
  auto build = [](const Config& config) {
    CopyMemoryOptions o;
    o.memory_size = config.get_int("dataset.memory_size");
    o.copy_length = config.get_int("dataset.copy_length");
    o.sizes = generated_sizes(config);
    return make_copy_memory_splits(o);
  };
  return {"copy_memory", "generated copy memory task: recall 10 symbols after T blanks, 10 classes per step", schema,
          build};
}

DatasetType adding_problem() {
  auto schema = [](Schema& s) {
    add_generated_keys(s, 50000, 1000);
    s.add_int("seq_length", 1000, "L: sequence length");
  };
  auto build = [](const Config& config) {
    AddingProblemOptions o;
    o.seq_length = config.get_int("dataset.seq_length");
    o.sizes = generated_sizes(config);
    return make_adding_problem_splits(o);
  };
  return {"adding_problem", "generated adding problem: the sum of the two marked values of a sequence (regression)",
          schema, build};
}

// One row per dataset.
const std::vector<DatasetType>& table() {
  static const std::vector<DatasetType> types = {
      mnist_family("fashion_mnist", "Fashion-MNIST: 28x28 grey images of clothing, 10 classes",
                   "/usr/share/datasets/fashion-mnist", kFashionMnistMean, kFashionMnistStd),
      mnist_family("mnist", "MNIST: 28x28 grey images of digits, 10 classes", "/usr/share/datasets/mnist", kMnistMean,
                   kMnistStd),
      cifar(10, "CIFAR-10 (binary release): 32x32 colour images, 10 classes", "data/cifar-10-batches-bin",
            {"ccnn", "multires"}),
      cifar(100, "CIFAR-100 (binary release): 32x32 colour images, 100 fine classes", "data/cifar-100-binary",
            {"ccnn"}),
      listops(),
      pathfinder(),
      stl10(),
      speech_commands(),
      ptbxl(),
      voxel_solids(),
      copy_memory(),
      adding_problem(),
  };
  return types;
}

}  // namespace

const DatasetType& dataset_type(const std::string& name) {
  for (const auto& type : table())
    if (type.name == name) return type;
  throw ConfigError(
      fmt::format("key 'dataset.name': unknown dataset '{}' (known: {})", name, fmt::join(dataset_type_names(), ", ")));
}

std::vector<std::string> dataset_type_names() {
  std::vector<std::string> names;
  for (const auto& type : table()) names.push_back(type.name);
  return names;
}

void add_common_dataset_keys(Schema& s) {
  s.add_string("name", std::nullopt, "dataset", dataset_type_names())
      .add_string("data_dir", std::nullopt, "directory of the dataset's files (null: the dataset's default)")
      .add_float("val_split", 0.1, "fraction of the training set held out for validation")
      .add_int("split_seed", 42, "seed of the train/validation split");
}

}  // namespace longconv::data
