// Streaming sampling draws the same images as the reference's full-recompute algorithm from the same noise.
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "io/image_grid.h"
#include "models/multires/ar_sampler.h"

namespace {

using longconv::models::MultiresAR;
using longconv::models::MultiresAROptions;
using longconv::models::ResidualStackOptions;

TEST(ArSampler, StreamingEqualsFullRecompute) {
  for (const int64_t channels : {1, 3}) {
    for (const std::string tree : {"fading", "uniform"}) {
      SCOPED_TRACE(tree + " channels " + std::to_string(channels));
      torch::manual_seed(4);
      MultiresAR net(MultiresAROptions(channels, 3)
                         .stack(ResidualStackOptions()
                                    .d_model(8)
                                    .n_layers(2)
                                    .kernel_size(3)
                                    .max_length(30)
                                    .tree_select(*longconv::parse_enum(longconv::nn::kTreeSelectNames, tree))
                                    .d_mem(tree == "uniform" ? std::optional<int64_t>(7) : std::nullopt)));
      net->to(torch::kFloat64);
      net->eval();
      longconv::models::SampleOptions o;
      o.n = 3;
      o.length = 30;  // 6x5 images
      o.dtype = torch::kFloat64;
      auto g1 = at::make_generator<at::CPUGeneratorImpl>(11);
      auto g2 = at::make_generator<at::CPUGeneratorImpl>(11);
      const auto streamed = longconv::models::sample_streaming(net, o, g1);
      const auto recomputed = longconv::models::sample_full_recompute(net, o, g2);
      ASSERT_EQ(streamed.sizes(), (std::vector<int64_t>{3, channels, 30}));
      EXPECT_LT((streamed - recomputed).abs().max().item<double>(), 1e-9);
      EXPECT_TRUE(torch::equal(longconv::io::pixels_to_uint8(streamed), longconv::io::pixels_to_uint8(recomputed)));
      EXPECT_LE(streamed.abs().max().item<double>(), 1.0);
      // Not all one value: the samples carry the noise.
      EXPECT_GT(streamed.std().item<double>(), 0.01);
    }
  }
}

TEST(ArSampler, PrefixLeavesTheRestZero) {
  torch::manual_seed(5);
  MultiresAR net(MultiresAROptions(1, 2).stack(ResidualStackOptions().d_model(4).n_layers(1).max_length(10)));
  net->eval();
  longconv::models::SampleOptions o;
  o.n = 2;
  o.length = 10;
  o.positions = 4;
  auto g = at::make_generator<at::CPUGeneratorImpl>(1);
  const auto x = longconv::models::sample_streaming(net, o, g);
  EXPECT_TRUE(torch::equal(x.narrow(-1, 4, 6), torch::zeros({2, 1, 6})));
  EXPECT_GT(x.narrow(-1, 0, 4).abs().sum().item<double>(), 0.0);
}

TEST(ArSampler, RefusesTrainingModeAndBadCounts) {
  MultiresAR net(MultiresAROptions(1, 2).stack(ResidualStackOptions().d_model(4).n_layers(1).max_length(10)));
  longconv::models::SampleOptions o;
  o.length = 10;
  auto g = at::make_generator<at::CPUGeneratorImpl>(1);
  EXPECT_THROW(longconv::models::sample_streaming(net, o, g), c10::Error);  // still in training mode
  net->eval();
  o.positions = 11;
  EXPECT_THROW(longconv::models::sample_full_recompute(net, o, g), c10::Error);
}

}  // namespace
