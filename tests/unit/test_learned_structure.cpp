// plot_learned_structure finds every CKConv/FlexConv and MultiresLayer of a net and draws the kernels the convs
// apply, the masks and their widths, and the MultiresConv filters and mixing weights; plot_training_curves draws a
// metrics log, with a known curve's maximum at its step. CKConv's kernel_at(kernel_positions(train_length)) is the
// kernel its forward convolves with.
#include <gtest/gtest.h>

#include <filesystem>

#include "nn/ccnn/ck_conv.h"
#include "nn/multires/multires_layer.h"
#include "plot/figure.h"
#include "plot/learned_structure.h"
#include "plot/training_curves.h"
#include "support/png_probe.h"
#include "support/temp_dir.h"

namespace {

namespace nn = longconv::nn;

nn::CKConv flexconv(int64_t data_dim, bool causal) {
  return nn::CKConv(nn::CKConvOptions(2, 3, data_dim)
                        .separable(true)
                        .causal(causal)
                        .kernel(nn::KernelNetOptions().hidden_channels(8).no_layers(2).omega_0(10.0))
                        .kernel_size(data_dim == 1 ? "same" : "9")
                        .mask(nn::GaussianMaskOptions().init_value(0.3)));
}

std::vector<std::string> names(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(std::filesystem::path(p).filename().string());
  return out;
}

TEST(CKConv, KernelAtItsPositionsIsTheKernelTheForwardUsed) {
  torch::manual_seed(3);
  for (const bool causal : {true, false}) {
    auto conv = flexconv(1, causal);
    conv->forward(torch::randn({2, 2, 40}));
    torch::NoGradGuard no_grad;
    const auto kernel = conv->kernel_at(conv->kernel_positions(conv->train_length.item<int64_t>()));
    EXPECT_TRUE(torch::equal(kernel, conv->conv_kernel)) << causal;
    EXPECT_LT(kernel.size(-1), 40) << "the mask crops the grid";
  }
}

TEST(CKConv, FindsEveryConvAndItsMaskWidths) {
  struct Net : torch::nn::Module {
    Net() {
      register_module("a", flexconv(1, true));
      register_module("b", flexconv(2, false));
    }
  };
  auto net = std::make_shared<Net>();
  const auto convs = nn::find_ck_convs(*net);
  ASSERT_EQ(convs.size(), 2u);
  EXPECT_EQ(convs[0].first, "a");
  EXPECT_EQ(convs[1].first, "b");
  const double w = static_cast<float>(0.3);                          // float32 parameters
  EXPECT_EQ(nn::mask_widths(*net), (std::vector<double>{w, w, w}));  // 1D: one sigma, 2D: two
}

TEST(LearnedStructure, CcnnKernelsAndMasksIn1DAnd2D) {
  longconv::test::TempDir dir;
  torch::manual_seed(4);
  struct Net : torch::nn::Module {
    Net() {
      one = register_module("one", flexconv(1, true));
      two = register_module("two", flexconv(2, false));
      idle = register_module("idle", flexconv(1, true));  // never ran: no grid to sample
    }
    nn::CKConv one{nullptr}, two{nullptr}, idle{nullptr};
  };
  auto net = std::make_shared<Net>();
  net->one->forward(torch::randn({1, 2, 50}));
  net->two->forward(torch::randn({1, 2, 12, 12}));
  const auto written = longconv::plot::plot_learned_structure(*net, dir.file("plots"));
  EXPECT_EQ(names(written), (std::vector<std::string>{"ccnn_kernels.png", "ccnn_masks.png"}));
  longconv::test::read_rgb(written[0], 2 * 520, 380);  // two sampled convs: two panels in a row
  longconv::test::read_rgb(written[1], 2 * 520, 380);
}

TEST(LearnedStructure, MultiresFiltersAndWeights) {
  longconv::test::TempDir dir;
  torch::manual_seed(5);
  struct Net : torch::nn::Module {
    Net() {
      for (int i = 0; i < 2; ++i)
        register_module("layer" + std::to_string(i),
                        nn::MultiresLayer(nn::MultiresLayerOptions(6).kernel_size(3).seq_len(64)));
    }
  };
  auto net = std::make_shared<Net>();
  const auto written = longconv::plot::plot_learned_structure(*net, dir.path().string());
  EXPECT_EQ(names(written), (std::vector<std::string>{"multires_filters.png"}));
  longconv::test::read_rgb(written[0], 4 * 520, 2 * 380);  // a row of four panels per layer
}

TEST(LearnedStructure, NothingForANetWithoutEither) {
  longconv::test::TempDir dir;
  auto linear = torch::nn::Linear(3, 4);
  EXPECT_TRUE(longconv::plot::plot_learned_structure(*linear, dir.path().string()).empty());
}

TEST(TrainingCurves, OneFigurePerQuantityWithTheCurveWhereItBelongs) {
  longconv::test::TempDir dir;
  // val_loss peaks at step 200 (the second of five epochs) and is lowest at step 500.
  std::vector<nlohmann::json> records;
  const std::vector<double> val_loss{1.0, 3.0, 2.0, 1.5, 0.5};
  for (int i = 0; i < 5; ++i)
    records.push_back({{"epoch", i + 1},
                       {"step", 100 * (i + 1)},
                       {"train_loss", 2.0 - 0.3 * i},
                       {"train_accuracy", 50.0 + 5 * i},
                       {"val_loss", val_loss[static_cast<size_t>(i)]},
                       {"val_accuracy", 40.0 + 6 * i},
                       {"lr", 0.01 / (i + 1)},
                       {"epoch_seconds", 10.0}});
  records[3].erase("train_accuracy");  // a missing value leaves a gap
  const auto written = longconv::plot::plot_training_curves(records, dir.path().string(), 1000, 400);
  EXPECT_EQ(names(written), (std::vector<std::string>{"loss.png", "accuracy.png", "lr.png"}));
  for (const auto& path : written) longconv::test::read_rgb(path, 1000, 400);

  const auto image = longconv::test::read_rgb(written[0], 1000, 400);
  // The left panel plots against step: x in [100, 500] padded by 3% (the curves have markers), y of the loss series
  // in [0.5, 3] padded by 5%. A marker is a few pixels across.
  const auto frame = longconv::test::find_frame(image, 0, 500);
  const auto val = longconv::test::colour_extremes(image, frame, longconv::plot::Figure::series_colour(1));
  ASSERT_TRUE(val);
  const double width = static_cast<double>(frame.right - frame.left);
  const double height = static_cast<double>(frame.bottom - frame.top);
  EXPECT_NEAR(val->top_col, frame.left + (200 - 88) / 424.0 * width, 5);
  EXPECT_NEAR(val->top_row, frame.top + 0.05 / 1.1 * height, 6);
  EXPECT_NEAR(val->bottom_col, frame.left + (500 - 88) / 424.0 * width, 5);
  EXPECT_NEAR(val->bottom_row, frame.bottom - 0.05 / 1.1 * height, 6);
}

TEST(TrainingCurves, NeedsRecords) {
  longconv::test::TempDir dir;
  EXPECT_THROW(longconv::plot::plot_training_curves({}, dir.path().string()), std::runtime_error);
}

}  // namespace
