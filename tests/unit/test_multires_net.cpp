// MultiresNet's block in training runs GLU and Dropout1d as one pass (mixing_layers.i): against the same modules run
// one after the other, with the same draws.
#include <gtest/gtest.h>

#include "models/multires/multires_net.h"

using longconv::models::MultiresNet;
using longconv::models::MultiresNetOptions;
using longconv::models::ResidualStackOptions;

TEST(MultiresNet, TrainingMixingMatchesTheModulesInTurn) {
  for (const bool batchnorm : {false, true}) {
    torch::manual_seed(0);
    MultiresNet net(MultiresNetOptions(2).d_output(3).stack(
        ResidualStackOptions().d_model(8).n_layers(2).dropout(0.4).batchnorm(batchnorm).max_length(32)));
    net->train();
    const auto x = torch::randn({5, 2, 32});
    torch::manual_seed(11);
    const auto fused = net->forward(x);
    torch::manual_seed(11);
    auto& blocks = net->blocks;
    auto h = net->encoder.forward(x);
    for (size_t i = 0; i < blocks.size(); ++i) {
      auto z = blocks.seq_layers[i]->as<longconv::nn::MultiresLayer>()->forward(h);
      z = blocks.mixing_layers[i]->as<torch::nn::Sequential>()->forward(z);
      h = longconv::models::add_channel_norm(*blocks.norms[i], z, h, batchnorm);
    }
    const auto in_turn = net->output_mapping(h.mean(-1));
    EXPECT_TRUE(torch::allclose(fused, in_turn, 1e-5, 1e-6)) << "batchnorm " << batchnorm;
  }
}
