// MultiresAR through the CLI on tiny runs of the shipped configs: `train` reports test bits/dim, `eval` recomputes it
// from the checkpoint, `sample` writes a PNG grid. Fashion-MNIST (the Debian package's files) and CIFAR-10 (a few
// records written in the binary format).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/cli.h"

namespace {

const std::string kSmall =
    " threads=1 net.d_model=8 net.n_layers=1 train.batch_size=4 train.eval_batch_size=4 train.max_train_batches=2"
    " train.max_eval_batches=1";

void expect_trains_evaluates_and_samples(const std::string& config, const std::string& extra) {
  longconv::test::TempDir dir;
  const std::string path = std::string(LONGCONV_SOURCE_DIR) + "/configs/multires/" + config;
  const std::string overrides = kSmall + extra + " train.out_dir=" + dir.file("run");
  auto r = longconv::test::run_cli(dir, "train " + path + overrides);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test bits_per_dim at best validation: "), std::string::npos) << r.out;

  const std::string checkpoint = " --checkpoint " + dir.file("run/best.ckpt");
  r = longconv::test::run_cli(dir, "eval " + path + overrides + checkpoint);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test loss"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bits_per_dim"), std::string::npos) << r.out;

  r = longconv::test::run_cli(dir, "sample " + path + overrides + checkpoint + " --n 4 --out " + dir.file("s.png"));
  ASSERT_EQ(r.code, 0) << r.err;
  std::ifstream png(dir.file("s.png"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(png)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
}

}  // namespace

TEST(ArCli, FashionMnist) { expect_trains_evaluates_and_samples("fashion_mnist_ar.yaml", ""); }

TEST(ArCli, Cifar10) {
  longconv::test::TempDir data;
  // Records of the CIFAR-10 binary layout: a label byte, then 3 x 1024 pixel bytes.
  auto write_batch = [&](const std::string& name, int records) {
    std::ofstream out(data.file(name), std::ios::binary);
    for (int i = 0; i < records; ++i) {
      out.put(static_cast<char>(i % 10));
      for (int k = 0; k < 3 * 1024; ++k) out.put(static_cast<char>((i * 31 + k * 7) % 256));
    }
  };
  for (int k = 1; k <= 5; ++k) write_batch("data_batch_" + std::to_string(k) + ".bin", 4);
  write_batch("test_batch.bin", 4);
  expect_trains_evaluates_and_samples("cifar_ar.yaml", " dataset.data_dir=" + data.path().string());
}
