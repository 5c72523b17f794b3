// The point-cloud net types from config keys: `net.type: CCNN` with `conv.type: SeparablePointFlexConv` builds the
// point ResNet with the reference's state_dict names, a lone `net.type: SeparablePointFlexConv`, and config errors
// that name the key.
#include <gtest/gtest.h>

#include "config/config.h"
#include "io/state_dict.h"
#include "models/ccnn/point_ccnn.h"
#include "models/registry.h"
#include "support/helpers.h"
#include "train/run_config.h"

using namespace longconv;

namespace {

Config point_config(std::vector<std::string> overrides) {
  std::vector<std::string> all = {"net.type=CCNN",      "conv.type=SeparablePointFlexConv",
                                  "net.in_channels=6",  "net.out_channels=5",
                                  "net.no_hidden=8",    "net.no_blocks=2",
                                  "kernel.no_hidden=8", "kernel.num_edges=4",
                                  "kernel.omega_0=50.0"};
  all.insert(all.end(), overrides.begin(), overrides.end());
  return Config::parse("{}", "test", all, train::run_schema);
}

torch::Tensor cloud_indices(int64_t b, int64_t n) {
  return torch::arange(n).repeat({b, n, 1});  // any K >= num_edges indices per point
}

}  // namespace

TEST(PointNetTypes, CcnnWithThePointConvBuildsThePointResNet) {
  const Config c = point_config({"net.point_residual=reference", "conv.point_aggregation=reference"});
  const models::Net net = models::net_type("CCNN").build(c);
  ASSERT_TRUE(static_cast<bool>(net.point_forward));
  EXPECT_FALSE(static_cast<bool>(net.forward));
  const auto* resnet = dynamic_cast<models::PointCCNNImpl*>(net.module.get());
  ASSERT_NE(resnet, nullptr);
  EXPECT_EQ(resnet->options.point_residual(), models::PointResidual::Reference);
  EXPECT_EQ(resnet->conv1->options.aggregation(), nn::PointAggregation::Reference);
  EXPECT_EQ(resnet->conv1->options.num_edges(), 4);
  const auto state = io::state_dict(*net.module);
  for (const char* key : {"conv1.Kernel.output_linear.weight", "norm1.bn.weight", "norm1.module.weight",
                          "blocks.1.linear1.lin.weight", "out_layer.lin.weight"})
    EXPECT_TRUE(state.count(key)) << key;
  EXPECT_EQ(net.param_groups.at("mask").size(), 3u);  // conv1 and each block's conv1: mask_width_param
  const auto y = net.point_forward(torch::randn({2, 6, 6}), torch::randn({2, 6, 6, 3}), cloud_indices(2, 6));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 5}));
}

TEST(PointNetTypes, LonePointConv) {
  // The lone conv has no blocks: net.no_hidden and net.no_blocks are not its keys.
  const Config c = Config::parse("{}", "test",
                                 {"net.type=SeparablePointFlexConv", "net.in_channels=6", "net.out_channels=5",
                                  "kernel.no_hidden=8", "kernel.num_edges=4", "kernel.bottleneck_factor=2"},
                                 train::run_schema);
  const models::Net net = models::net_type("SeparablePointFlexConv").build(c);
  ASSERT_TRUE(static_cast<bool>(net.point_forward));
  const auto y = net.point_forward(torch::randn({1, 5, 6}), torch::randn({1, 5, 5, 3}), cloud_indices(1, 5));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 5, 5}));
}

TEST(PointNetTypes, ConfigErrorsNameTheKey) {
  auto error = [](std::vector<std::string> overrides) {
    return test::error_of([&] { models::net_type("CCNN").build(point_config(std::move(overrides))); });
  };
  EXPECT_NE(error({"kernel.num_edges=-1"}).find("kernel.num_edges"), std::string::npos);
  EXPECT_NE(error({"net.norm=LayerNorm"}).find("net.norm"), std::string::npos);
  EXPECT_NE(
      error({"net.point_residual=reference", "net.block_width_factors=[1.0, 1, 2.0, 1]"}).find("net.point_residual"),
      std::string::npos);
  EXPECT_NE(test::error_of([] { point_config({"conv.point_aggregation=self"}); }).find("conv.point_aggregation"),
            std::string::npos);
}
