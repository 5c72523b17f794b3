#include <gtest/gtest.h>

#include <filesystem>

#include "data/datasets/mnist.h"
#include "support/idx_writer.h"
#include "support/mnist_writer.h"

using namespace longconv::data;
using namespace longconv::testing_idx;
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kSide = longconv::test::kMnistSide;
constexpr int64_t kPixels = kSide * kSide;

using longconv::test::MnistPixelFn;
constexpr auto varied = longconv::test::mnist_varied_pixel;

// A directory in the MNIST layout: train files gzipped, t10k raw (both forms must be found).
class MnistDir {
 public:
  explicit MnistDir(int64_t n_train = 20, int64_t n_test = 5, const MnistPixelFn& pixel = varied)
      : dir_(temp_path("mnist")) {
    fs::create_directories(dir_);
    longconv::test::write_mnist_split(dir_, "train", n_train, pixel, /*gz=*/true);
    longconv::test::write_mnist_split(dir_, "t10k", n_test, pixel, /*gz=*/false);
  }
  ~MnistDir() { fs::remove_all(dir_); }
  const std::string& dir() const { return dir_; }

  void write_labels(const std::string& split, const Bytes& labels) const {
    write_gz(dir_ + "/" + split + "-labels-idx1-ubyte.gz", idx_u8({static_cast<uint32_t>(labels.size())}, labels));
  }

 private:
  std::string dir_;
};

MnistOptions options_for(const MnistDir& d, const std::string& layout) {
  MnistOptions o;
  o.data_dir = d.dir();
  o.layout = *longconv::parse_enum(kMnistLayoutNames, layout);
  return o;
}

std::vector<float> values(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void expect_error_containing(const MnistOptions& o, const std::vector<std::string>& parts) {
  try {
    make_mnist_splits(o);
    ADD_FAILURE() << "no error";
  } catch (const std::exception& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Mnist, LayoutsGiveShapesAndInfo) {
  const MnistDir d;
  const std::vector<std::tuple<std::string, std::vector<int64_t>, std::vector<int64_t>>> cases = {
      {"sequence", {1, kPixels}, {kPixels}},
      {"permuted", {1, kPixels}, {kPixels}},
      {"image", {1, kSide, kSide}, {kSide, kSide}},
  };
  for (const auto& [layout, x_shape, spatial] : cases) {
    SCOPED_TRACE(layout);
    const Splits s = make_mnist_splits(options_for(d, layout));
    for (const auto& ds : {s.train, s.val, s.test}) {
      const Example e = ds->get(1, nullptr);
      EXPECT_EQ(e.x.sizes(), x_shape);
      EXPECT_EQ(e.x.scalar_type(), torch::kFloat32);
      EXPECT_EQ(e.y.dim(), 0);
      EXPECT_EQ(e.y.scalar_type(), torch::kInt64);
      EXPECT_EQ(e.length, -1);
    }
    EXPECT_EQ(s.info.task, Task::Classification);
    EXPECT_EQ(s.info.d_input, 1);
    EXPECT_EQ(s.info.d_output, 10);
    EXPECT_EQ(s.info.max_length, kPixels);
    EXPECT_EQ(s.info.spatial_shape, spatial);
  }
}

TEST(Mnist, SplitSizes) {
  const MnistDir d(20, 5);
  MnistOptions o = options_for(d, "sequence");
  o.split.val_split = 0.1;
  Splits s = make_mnist_splits(o);
  EXPECT_EQ(s.train->size(), 18);
  EXPECT_EQ(s.val->size(), 2);
  EXPECT_EQ(s.test->size(), 5);
  o.split.val_split = 0.0;
  s = make_mnist_splits(o);
  EXPECT_EQ(s.train->size(), 20);
  EXPECT_EQ(s.val, nullptr);
}

TEST(Mnist, PixelValuesAndLabels) {
  const MnistDir d(20, 5);
  MnistOptions o = options_for(d, "image");
  o.split.val_split = 0.0;
  o.normalize = false;
  const Splits raw = make_mnist_splits(o);
  o.normalize = true;
  o.mean = kFashionMnistMean;
  o.stddev = kFashionMnistStd;
  const Splits norm = make_mnist_splits(o);
  for (int64_t i : {0, 7, 13}) {
    const auto r = values(raw.train->get(i, nullptr).x), n = values(norm.train->get(i, nullptr).x);
    for (int64_t k = 0; k < kPixels; ++k) {
      const double v = varied(i, k) / 255.0;
      ASSERT_FLOAT_EQ(r[k], static_cast<float>(v)) << i << " " << k;
      ASSERT_NEAR(n[k], (v - 0.2860) / 0.3530, 1e-5) << i << " " << k;
    }
    EXPECT_EQ(raw.train->get(i, nullptr).y.item<int64_t>(), i % 10);
  }
  // Default constants are MNIST's.
  EXPECT_NEAR(values(make_mnist_splits(options_for(d, "sequence")).test->get(0, nullptr).x)[0], (0 - 0.1307) / 0.3081,
              1e-5);
}

TEST(Mnist, PermutedIsOneFixedPermutationForAllSplits) {
  const MnistDir same_image(20, 5, [](int64_t, int64_t k) { return static_cast<uint8_t>(k % 251); });
  MnistOptions o = options_for(same_image, "permuted");
  o.permutation_seed = 3;
  const Splits p = make_mnist_splits(o);
  const auto train = values(p.train->get(0, nullptr).x);
  EXPECT_EQ(values(p.val->get(1, nullptr).x), train);
  EXPECT_EQ(values(p.test->get(4, nullptr).x), train);
  EXPECT_EQ(values(make_mnist_splits(o).test->get(0, nullptr).x), train);  // same seed, same permutation

  auto sequence = values(make_mnist_splits(options_for(same_image, "sequence")).train->get(0, nullptr).x);
  EXPECT_NE(train, sequence);
  auto sorted = train;
  std::sort(sorted.begin(), sorted.end());
  std::sort(sequence.begin(), sequence.end());
  EXPECT_EQ(sorted, sequence);

  o.permutation_seed = 4;
  EXPECT_NE(values(make_mnist_splits(o).train->get(0, nullptr).x), train);
}

TEST(Mnist, BadLabelsNameTheFile) {
  const MnistDir d(20, 5);
  Bytes labels(20, 1);
  labels[6] = 10;
  d.write_labels("train", labels);
  expect_error_containing(options_for(d, "sequence"), {"train-labels-idx1-ubyte.gz", "label 10", "example 6"});
  d.write_labels("train", Bytes(19, 1));
  expect_error_containing(options_for(d, "sequence"), {"train-labels-idx1-ubyte.gz", "19 labels for 20 images"});
}

TEST(Mnist, MissingFilesAndBadOptions) {
  const MnistDir d;
  fs::remove(d.dir() + "/t10k-images-idx3-ubyte");
  expect_error_containing(options_for(d, "sequence"),
                          {d.dir(), "t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte)"});
  MnistOptions o = options_for(d, "sequence");
  o.data_dir = d.dir() + "/nowhere";
  expect_error_containing(o, {o.data_dir, "no such directory"});
}

TEST(Mnist, FashionMnistFromDebianPackage) {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(dir + "/train-images-idx3-ubyte.gz")) GTEST_SKIP() << dir << " not installed";
  MnistOptions o;
  o.data_dir = dir;
  o.mean = kFashionMnistMean;
  o.stddev = kFashionMnistStd;
  const Splits s = make_mnist_splits(o);
  EXPECT_EQ(s.train->size(), 54000);
  EXPECT_EQ(s.val->size(), 6000);
  EXPECT_EQ(s.test->size(), 10000);
  // The published constants should roughly standardize the training pixels.
  std::vector<torch::Tensor> xs;
  for (int64_t i = 0; i < 2000; ++i) xs.push_back(s.train->get(i * 27, nullptr).x);
  const torch::Tensor x = torch::stack(xs);
  EXPECT_NEAR(x.mean().item<double>(), 0.0, 0.05);
  EXPECT_NEAR(x.std().item<double>(), 1.0, 0.05);
}

TEST(Mnist, DensityTaskGivesPixelsInMinusOneToOne) {
  const MnistDir d(20, 5);
  MnistOptions o = options_for(d, "sequence");
  o.task = Task::Density;
  const Splits s = make_mnist_splits(o);
  EXPECT_EQ(s.info.task, Task::Density);
  const auto x = values(s.test->get(3, nullptr).x);
  for (int64_t k = 0; k < kPixels; ++k) ASSERT_EQ(x[k], (varied(3, k) / 255.0f - 0.5f) * 2.0f) << k;
  // Pixels 0 and 255 (both occur in `varied`) land exactly on the mixture's edge bins.
  const auto all = s.test->get(3, nullptr).x;
  EXPECT_EQ(all.min().item<float>(), -1.0f);
  EXPECT_EQ(all.max().item<float>(), 1.0f);
}
