#include <gtest/gtest.h>

#include <string>

#include "nn/common/gelu.h"
#include "nn/multires/multires_layer.h"
#include "support/helpers.h"

using longconv::nn::MultiresLayer;
using longconv::nn::MultiresLayerOptions;
using longconv::test::error_of;

// net.depth 68 was accepted: 1 << 68 is undefined and `info` printed a receptive field of 68719476736. A depth within
// kTreeDepth can still overflow it with a long enough kernel.
TEST(MultiresLayer, DepthIsBoundedByWhatInt64Holds) {
  EXPECT_EQ(error_of([] { MultiresLayer(MultiresLayerOptions(2).kernel_size(2).depth(68)); }),
            "MultiresLayerOptions::depth: expected in [1, 48], got 68");
  EXPECT_EQ(error_of([] { MultiresLayer(MultiresLayerOptions(2).kernel_size(40000).depth(48)); }),
            "MultiresLayerOptions::kernel_size: 40000 with depth 48 gives a receptive field beyond int64");
  MultiresLayer deepest(MultiresLayerOptions(1).kernel_size(2).depth(48));
  EXPECT_EQ(longconv::nn::multires_receptive_field(deepest->depth, 2), int64_t{1} << 48);
}

// A wrong channel count was reported as "h0 must have shape 3 1 2", blaming the weights.
TEST(MultiresLayer, ForwardChecksTheInputFirst) {
  MultiresLayer layer(MultiresLayerOptions(3).kernel_size(2).depth(2));
  const std::string channels = error_of([&] { layer->forward(torch::randn({2, 5, 8})); });
  EXPECT_NE(channels.find("MultiresLayer expects float x of shape [B, d_model=3, L >= 1], got [2, 5, 8]"),
            std::string::npos)
      << channels;
  EXPECT_NE(error_of([&] { layer->forward(torch::ones({2, 3, 8}, torch::kLong)); }).find("Long"), std::string::npos);
  EXPECT_NE(error_of([&] { layer->forward(torch::randn({2, 3, 0})); }).find("got [2, 3, 0]"), std::string::npos);
  EXPECT_EQ(layer->forward(torch::randn({2, 3, 8})).sizes(), (std::vector<int64_t>{2, 3, 8}));
}

// In training the layer applies Dropout1d inside the GELU pass: the same draws, the same values as the modules one
// after the other.
TEST(MultiresLayer, TrainingDropoutMatchesTheModulesInTurn) {
  MultiresLayer layer(MultiresLayerOptions(6).kernel_size(2).depth(3).dropout(0.5));
  layer->train();
  const auto x = torch::randn({4, 6, 20});
  torch::manual_seed(3);
  const auto fused = layer->forward(x);
  torch::manual_seed(3);
  const auto y = longconv::nn::multires_conv(x, layer->h0, layer->h1, layer->w, layer->plan);
  const auto in_turn = layer->dropout->forward(longconv::nn::gelu(y));
  EXPECT_TRUE(torch::allclose(fused, in_turn, 1e-6, 1e-7));
  // Some channels dropped, some kept: the check above saw both.
  const auto dropped = (in_turn.abs().sum(-1) == 0).sum().item<int64_t>();
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, 24);
}
