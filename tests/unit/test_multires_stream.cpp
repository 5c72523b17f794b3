// Streaming MultiresConv, MultiresNet and MultiresAR equal their full forward at every position.
#include <gtest/gtest.h>

#include "models/multires/multires_ar.h"
#include "models/multires/multires_model_stream.h"
#include "models/multires/multires_net.h"
#include "nn/multires/multires_conv_stream.h"

namespace {

using longconv::models::MultiresAR;
using longconv::models::MultiresAROptions;
using longconv::models::MultiresNet;
using longconv::models::MultiresNetOptions;
using longconv::models::ResidualStackOptions;

struct TreeCase {
  std::string tree_select;
  int64_t kernel_size;
  int64_t depth;
  std::optional<int64_t> memory_size;
};

// Fading and uniform trees, kernel sizes 2-4, several depths; lengths beyond the receptive field included.
const std::vector<TreeCase> kTrees = {{"fading", 2, 1, std::nullopt},
                                      {"fading", 2, 5, std::nullopt},
                                      {"fading", 3, 3, std::nullopt},
                                      {"fading", 4, 4, std::nullopt},
                                      {"uniform", 2, 4, 9},
                                      {"uniform", 3, 3, 20},
                                      {"uniform", 4, 2, 5}};

// Max |a - b| relative to max(1, max |b|).
double rel_error(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>() / std::max(1.0, b.abs().max().item<double>());
}

TEST(MultiresConvStream, EqualsFullConvAtEveryPosition) {
  torch::manual_seed(0);
  const int64_t batch = 2, channels = 3, length = 40;
  for (const auto& c : kTrees) {
    SCOPED_TRACE(c.tree_select + " k" + std::to_string(c.kernel_size) + " depth " + std::to_string(c.depth));
    const auto select = *longconv::parse_enum(longconv::nn::kTreeSelectNames, c.tree_select);
    const auto plan = longconv::nn::make_mix_plan(select, c.depth, c.kernel_size, c.memory_size.value_or(c.depth + 1));
    const auto opts = torch::TensorOptions().dtype(torch::kFloat64);
    const auto x = torch::randn({batch, channels, length}, opts);
    const auto h0 = torch::randn({channels, 1, c.kernel_size}, opts);
    const auto h1 = torch::randn({channels, 1, c.kernel_size}, opts);
    const auto w = torch::randn({channels, plan.columns()}, opts);
    const auto full = longconv::nn::multires_conv_aten(x, h0, h1, w, plan);
    longconv::nn::MultiresConvStream stream(plan, batch, channels, torch::kFloat64);
    for (int64_t t = 0; t < length; ++t) {
      const auto y = stream.step(x.select(-1, t), h0, h1, w);
      ASSERT_LT(rel_error(y, full.select(-1, t)), 1e-12) << "position " << t;
    }
    EXPECT_EQ(stream.position(), length);
  }
}

ResidualStackOptions tree_stack(const TreeCase& c) {
  return ResidualStackOptions()
      .d_model(8)
      .n_layers(2)
      .dropout(0.3)
      .tree_select(*longconv::parse_enum(longconv::nn::kTreeSelectNames, c.tree_select))
      .kernel_size(c.kernel_size)
      .depth(c.depth)
      .d_mem(c.memory_size);
}

TEST(MultiresNetStream, LogitsEqualFullForwardOnEveryPrefix) {
  torch::manual_seed(1);
  const int64_t batch = 2, length = 24;
  for (const bool batchnorm : {false, true}) {
    for (const auto& c : kTrees) {
      SCOPED_TRACE(c.tree_select + " k" + std::to_string(c.kernel_size) + (batchnorm ? " batchnorm" : ""));
      MultiresNet net(MultiresNetOptions(2).d_output(5).stack(tree_stack(c).batchnorm(batchnorm)));
      if (batchnorm) {
        // Running statistics away from their init, so eval-mode BatchNorm is exercised.
        net->train();
        net->forward(torch::randn({4, 2, length}));
      }
      net->eval();
      torch::NoGradGuard no_grad;
      const auto x = torch::randn({batch, 2, length});
      longconv::models::MultiresNetStream stream(net, batch);
      for (int64_t t = 0; t < length; ++t) {
        const auto logits = stream.step(x.select(-1, t));
        const auto full = net->forward(x.narrow(-1, 0, t + 1));
        ASSERT_LT(rel_error(logits, full), 1e-5) << "position " << t;
      }
    }
  }
}

TEST(MultiresNetStream, TokensThroughTheEmbeddingEncoder) {
  torch::manual_seed(2);
  MultiresNet net(MultiresNetOptions(1).stack(ResidualStackOptions()
                                                  .encoder(longconv::models::InputEncoderType::Embedding)
                                                  .n_tokens(7)
                                                  .d_model(8)
                                                  .n_layers(2)
                                                  .max_length(16)));
  net->eval();
  torch::NoGradGuard no_grad;
  const auto tokens = torch::randint(0, 7, {3, 16}, torch::kLong);
  longconv::models::MultiresNetStream stream(net, 3);
  for (int64_t t = 0; t < 16; ++t) {
    ASSERT_LT(rel_error(stream.step(tokens.select(-1, t)), net->forward(tokens.narrow(-1, 0, t + 1))), 1e-5) << t;
  }
}

TEST(MultiresARStream, ParamsEqualFullForwardAtEveryPosition) {
  torch::manual_seed(3);
  const int64_t batch = 2, length = 30;
  for (const int64_t channels : {1, 3}) {
    for (const auto& c : kTrees) {
      SCOPED_TRACE(c.tree_select + " k" + std::to_string(c.kernel_size) + " channels " + std::to_string(channels));
      MultiresAR net(MultiresAROptions(channels, 2).stack(tree_stack(c)));
      net->eval();
      torch::NoGradGuard no_grad;
      const auto x = torch::rand({batch, channels, length}) * 2 - 1;
      const auto full = net->forward(x);
      longconv::models::MultiresARStream stream(net, batch);
      auto previous = stream.first_input();
      for (int64_t t = 0; t < length; ++t) {
        const auto params = stream.step(previous);
        ASSERT_EQ(params.sizes(), (std::vector<int64_t>{batch, net->d_output}));
        ASSERT_LT(rel_error(params, full.select(-1, t)), 1e-5) << "position " << t;
        previous = x.select(-1, t);
      }
    }
  }
}

TEST(MultiresARStream, RefusesTrainingMode) {
  MultiresAR net(MultiresAROptions(1, 2).stack(ResidualStackOptions().d_model(4).n_layers(1).max_length(8)));
  EXPECT_THROW(longconv::models::MultiresARStream(net, 1), c10::Error);
}

}  // namespace
