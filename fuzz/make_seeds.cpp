// make_seeds DIR: writes each fuzz target's seed corpus to DIR/<target>/, from the same writers the tests use (so no
// binary corpus lives in the repository). The configs seeds also take every shipped config (LONGCONV_SOURCE_DIR).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "data/formats/wav.h"
#include "fuzz_input.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "support/cifar_writer.h"
#include "support/idx_writer.h"
#include "support/jpeg_test_writer.h"
#include "support/listops_writer.h"
#include "support/modelnet_writer.h"
#include "support/numpy_files.h"
#include "support/numpy_writer.h"
#include "support/png_test_writer.h"
#include "support/ptbxl_dir.h"
#include "support/stl10_writer.h"
#include "support/ucr_files.h"
#include "tiny_checkpoint.h"

namespace fs = std::filesystem;
using namespace longconv;

namespace {

fs::path g_root;

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_root / target);
  io::write_file_atomic((g_root / target / name).string(), bytes);
}

std::string text(const testing_idx::Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

// A scratch directory for the writers that take paths.
fs::path scratch(const std::string& name) {
  const fs::path dir = g_root / ".scratch" / name;
  fs::create_directories(dir);
  return dir;
}

void safetensors_seeds() {
  torch::manual_seed(0);
  const std::string path = (scratch("safetensors") / "t.safetensors").string();
  io::write_safetensors(path,
                        {{"f64", torch::randn({2, 3}, torch::kDouble)},
                         {"f32", torch::randn({4})},
                         {"f16", torch::randn({3}).to(torch::kHalf)},
                         {"bf16", torch::randn({2}).to(torch::kBFloat16)},
                         {"i64", torch::tensor({int64_t{-5}, int64_t{5}})},
                         {"i32", torch::tensor({-7, 2}, torch::kInt)},
                         {"u8", torch::tensor({0, 255}, torch::kByte)},
                         {"bool", torch::tensor({true, false})},
                         {"empty", torch::zeros({0, 3})},
                         {"scalar", torch::tensor(2.5)}},
                        {{"format", "pt"}});
  seed("safetensors", "every_dtype.safetensors", io::read_file(path));
}

void checkpoint_seeds() { seed("checkpoint", "tiny.ckpt", fuzz::tiny_checkpoint()); }

void config_seeds(const fs::path& source_dir) {
  seed("config", "every_type.yaml",
       fuzz::join_parts({"seed: 3\nthreads: 1\ndevice: cpu\nnet:\n  type: Conv\n  channels: 8\n  kernel:\n"
                         "    size: '31'\ntrain:\n  epochs: 2\n  lr: 1e-3\n  max_batches: null\n  shuffle: false\n"
                         "dataset:\n  sizes: [1, 2]\n  mean: [0.5, -1.5e-3]\n  files: [\"a b\", 'c: d']\n",
                         "train.lr=0.5\nnet.channels=4\ndataset.sizes=[4, 5]\ndataset.val_split=0.1"}));
  seed("config", "tree.yaml",
       fuzz::join_parts({"net: {type: Tree, depth: 4, factors: [1.0, 2, .inf]}\ntrain: {out_dir: \"runs/x\"}\n",
                         "net.type=Conv\nnet.channels=2"}));
  int n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(source_dir / "configs"))
    if (entry.path().extension() == ".yaml")
      seed("config", "shipped_" + std::to_string(n++) + ".yaml", io::read_file(entry.path().string()));
}

void idx_seeds() {
  using namespace testing_idx;
  seed("idx", "u8.idx", text(idx_u8({3, 2, 2}, Bytes(12, 7))));
  Bytes floats = idx_header(0x0D, {2});
  put_be(floats, 0x3f800000, 4);
  put_be(floats, 0xc0000000, 4);
  seed("idx", "f32.idx", text(floats));
  Bytes shorts = idx_header(0x0B, {1, 2});
  put_be(shorts, 0x8000, 2);
  put_be(shorts, 0x7fff, 2);
  seed("idx", "i16.idx", text(shorts));
  const std::string gz = (scratch("idx") / "u8.idx.gz").string();
  write_gz(gz, idx_u8({2, 3}, Bytes(6, 1)));
  seed("idx", "u8.idx.gz", io::read_file(gz));
}

void cifar_seeds() {
  // The first byte holds fuzz_cifar's option flags: 0 CIFAR-10 sequence, 1 CIFAR-100, 6 image grayscale, 24 density.
  seed("cifar", "cifar10", std::string(1, '\0') + text(test::cifar_records(0, 2, 1, 10)));
  seed("cifar", "cifar100", std::string(1, '\1') + text(test::cifar_records(0, 2, 2, 100)));
  seed("cifar", "cifar10_gray_image", std::string(1, '\6') + text(test::cifar_records(3, 1, 1, 10)));
  seed("cifar", "cifar10_density_augment", std::string(1, '\x18') + text(test::cifar_records(5, 2, 1, 10)));
}

void stl10_seeds() {
  const fs::path dir = scratch("stl10");
  test::write_stl10_split(dir.string(), "train", 0, 2);
  test::write_stl10_split(dir.string(), "test", 10, 1);
  const std::vector<std::string> parts = {
      io::read_file((dir / "train_X.bin").string()), io::read_file((dir / "train_y.bin").string()),
      io::read_file((dir / "test_X.bin").string()), io::read_file((dir / "test_y.bin").string())};
  // Flags: size 8 (7 + 1), then the same with augmentation.
  seed("stl10", "size8", std::string(1, '\7') + fuzz::join_parts(parts));
  seed("stl10", "size8_augment", std::string(1, '\x27') + fuzz::join_parts(parts));
}

void listops_seeds() {
  const fs::path dir = scratch("listops");
  test::write_listops_splits(dir.string());
  const std::string parts = fuzz::join_parts({io::read_file((dir / "basic_train.tsv").string()),
                                              io::read_file((dir / "basic_val.tsv").string()),
                                              io::read_file((dir / "basic_test.tsv").string())});
  seed("listops", "right", std::string(1, '\x40') + parts);  // l_max 34
  seed("listops", "left", std::string(1, '\x05') + parts);   // l_max 4: sources cut
}

void wav_seeds() {
  std::vector<int16_t> pcm(400);
  for (size_t t = 0; t < pcm.size(); ++t) pcm[t] = static_cast<int16_t>((t * 331) % 20000 - 10000);
  seed("wav", "mono16.wav", data::encode_wav_pcm16(pcm, 16000));
}

void wfdb_seeds() {
  const fs::path dir = scratch("wfdb");
  test::write_ptbxl_dir(dir.string(), 1);
  std::string header = io::read_file((dir / (test::ptbxl_record_name(1) + ".hea")).string());
  // fuzz_wfdb writes the signal file as rec.dat.
  for (size_t at = header.find("00001_lr"); at != std::string::npos; at = header.find("00001_lr", at))
    header.replace(at, 8, "rec");
  seed("wfdb", "ptbxl_record",
       fuzz::join_parts({header, io::read_file((dir / (test::ptbxl_record_name(1) + ".dat")).string())}));
  seed("csv", "ptbxl_database.csv", io::read_file((dir / "ptbxl_database.csv").string()));
  seed("csv", "scp_statements.csv", io::read_file((dir / "scp_statements.csv").string()));
}

std::string png_bytes(int width, int height, int channels) {
  std::vector<uint8_t> pixels(static_cast<size_t>(width * height * channels));
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 7);
  const std::string path = (scratch("png") / "p.png").string();
  testing_png::write_png(path, width, height, channels, pixels);
  return io::read_file(path);
}

void png_seeds() {
  for (int channels = 1; channels <= 4; ++channels)
    seed("png", "c" + std::to_string(channels) + ".png", png_bytes(5, 3, channels));
  seed("pathfinder", "one_image", fuzz::join_parts({"imgs/0 sample_0.png 0 1 6 1.5 1 2\n", png_bytes(32, 32, 1)}));
}

void npy_seeds() {
  torch::manual_seed(0);
  seed("npy", "numpy_le_f4.npy", test::from_hex(test::kNumpyLittleF4));
  seed("npy", "numpy_be_fortran_f8.npy", test::from_hex(test::kNumpyBigFortranF8));
  seed("npy", "i64_3d.npy", test::npy_bytes(torch::arange(24, torch::kLong).reshape({2, 3, 4})));
  seed("npy", "f16_be_fortran.npy", test::npy_bytes(torch::randn({3, 2}).to(torch::kHalf), true, true));
  seed("npy", "i2_be.npy", test::npy_bytes(torch::tensor({-3, 300}, torch::kShort), true));
  seed("npy", "bool.npy", test::npy_bytes(torch::tensor({true, false, true})));
  seed("npy", "u1.npy", test::npy_bytes(torch::tensor({0, 255}, torch::kByte)));
  seed("npy", "empty.npy", test::npy_bytes(torch::zeros({0, 3})));
  seed("npy", "scalar.npy", test::npy_bytes(torch::tensor(2.5)));
}

void npz_seeds() {
  seed("npz", "numpy_savez.npz", test::from_hex(test::kNumpySavez));
  seed("npz", "numpy_savez_compressed.npz", test::from_hex(test::kNumpySavezCompressed));
  const std::vector<std::pair<std::string, std::string>> members = {
      {"x.npy", test::npy_bytes(torch::arange(6, torch::kFloat).reshape({2, 3}))},
      {"y.npy", test::npy_bytes(torch::tensor({1, 0}, torch::kLong), true)}};
  seed("npz", "stored_zip64.npz", test::npz_bytes(members, false, /*zip64_directory=*/true));
  seed("npz", "deflated_zip64.npz", test::npz_bytes(members, true, /*zip64_directory=*/true));
}

void ucr_seeds() {
  seed("ucr_ts", "univariate.ts", test::kUcrUnivariateTs);
  seed("ucr_ts", "multivariate_unequal.ts", test::kUcrMultivariateUnequalTs);
  seed("ucr_ts", "regression.ts", test::kUcrRegressionTs);
  seed("ucr_tsv", "padded.tsv", test::kUcrPaddedTsv);
}

void off_seeds() {
  seed("off_mesh", "tetrahedron.off", test::kOffTetrahedron);
  seed("off_mesh", "cube_glued_header.off", test::kOffCube);
}

void numeric_table_seeds() {
  // The first byte picks the delimiter (fuzz_numeric_table): even comma, odd tab.
  seed("numeric_table", "header.csv", std::string(1, '\0') + "ax,ay,az\n1,2.5,-3e2\n+4,NaN,\n5,?,NA\n");
  seed("numeric_table", "crlf.tsv", std::string(1, '\1') + "1\t2\r\n3\t4\r\n\n5\t6\r\n");
}

void jpeg_seeds() {
  for (int channels : {1, 3}) {
    std::vector<uint8_t> pixels(static_cast<size_t>(12 * 8 * channels));
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 5);
    const std::string path = (scratch("jpeg") / "j.jpg").string();
    test::write_jpeg(path, 12, 8, channels, pixels);
    seed("jpeg", "c" + std::to_string(channels) + ".jpg", io::read_file(path));
    test::write_jpeg(path, 12, 8, channels, pixels, 95, /*progressive=*/true);
    seed("jpeg", "c" + std::to_string(channels) + "_progressive.jpg", io::read_file(path));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds DIR\n";
    return 2;
  }
  g_root = argv[1];
  safetensors_seeds();
  checkpoint_seeds();
  config_seeds(LONGCONV_SOURCE_DIR);
  idx_seeds();
  cifar_seeds();
  stl10_seeds();
  listops_seeds();
  wav_seeds();
  wfdb_seeds();
  png_seeds();
  npy_seeds();
  npz_seeds();
  ucr_seeds();
  off_seeds();
  numeric_table_seeds();
  jpeg_seeds();
  fs::remove_all(g_root / ".scratch");
  if (::testing::UnitTest::GetInstance()->failed_test_count() > 0 ||
      ::testing::UnitTest::GetInstance()->ad_hoc_test_result().Failed())
    return 1;
  return 0;
}
