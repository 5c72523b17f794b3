// SeparablePointFlexConv, GraphBatchNorm, GraphLinear, the point S4 block and the point CCNN.
#include <gtest/gtest.h>

#include "data/point_cloud.h"
#include "data/point_neighbours.h"
#include "io/state_dict.h"
#include "models/ccnn/point_ccnn.h"
#include "nn/ccnn/graph_batch_norm.h"
#include "nn/ccnn/separable_point_flex_conv.h"
#include "support/helpers.h"

using namespace longconv;

namespace {

nn::SeparablePointFlexConvOptions conv_options(int64_t in, int64_t out, int64_t edges) {
  nn::KernelNetOptions kernel;
  kernel.type(nn::KernelNetType::MAGNet).hidden_channels(8).no_layers(2).omega_0(20.0);
  nn::GaussianMaskOptions mask;
  mask.init_value(0.3);
  return nn::SeparablePointFlexConvOptions(in, out).kernel(kernel).num_edges(edges).mask(mask);
}

// A batch of random clouds: positions in [-1, 1]^3, rel_pos and all points sorted by distance.
struct Clouds {
  torch::Tensor pos, rel_pos, sorted;
};
Clouds clouds(int64_t batch, int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  Clouds c{torch::rand({batch, n, 3}) * 2 - 1, {}, {}};
  std::vector<torch::Tensor> rel, idx;
  for (int64_t b = 0; b < batch; ++b) {
    rel.push_back(data::relative_positions(c.pos[b]));
    idx.push_back(data::sorted_neighbours(c.pos[b], n));
  }
  c.rel_pos = torch::stack(rel);
  c.sorted = torch::stack(idx);
  return c;
}

// sum_e x[idx(i, e)] * Kernel(pos_i - pos_idx) * mask, one neighbour at a time through the kernel net.
torch::Tensor naive_conv(nn::SeparablePointFlexConvImpl& conv, const torch::Tensor& x, const Clouds& c) {
  const int64_t batch = x.size(0), n = x.size(1), edges = conv.options.num_edges();
  const double sigma = conv.mask_width_param.item<double>();
  torch::Tensor out = torch::zeros({batch, n, x.size(2)});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t e = 0; e < edges; ++e) {
        const int64_t j = c.sorted[b][i][e].item<int64_t>();
        const auto d = c.pos[b][i] - c.pos[b][j];
        const auto k = conv.Kernel->forward(d.view({1, 3, 1, 1, 1})).flatten();
        const auto mask = torch::exp(-0.5 * (d / sigma).square().sum());
        out[b][i] += x[b][j] * k * mask;
      }
  return conv.channel_mixer(out);
}

}  // namespace

TEST(SeparablePointFlexConv, MatchesTheNeighbourSum) {
  nn::SeparablePointFlexConv conv(conv_options(5, 7, 6));
  const auto c = clouds(2, 12, 1);
  const auto x = torch::randn({2, 12, 5});
  torch::NoGradGuard no_grad;
  const auto y = conv(x, c.rel_pos, c.sorted);  // the first forward also does the Chang rescale
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 12, 7}));
  EXPECT_TRUE(torch::allclose(y, naive_conv(*conv, x, c), 1e-4, 1e-5));
  EXPECT_EQ(conv->conv_kernel.sizes(), (std::vector<int64_t>{2, 12, 6, 5}));
  // Neighbours beyond num_edges in the sorted rows are not read: a shorter K gives the same output.
  EXPECT_TRUE(torch::allclose(conv(x, c.rel_pos, c.sorted.narrow(2, 0, 6).contiguous()), y));
}

TEST(SeparablePointFlexConv, ReferenceStateDictKeys) {
  nn::SeparablePointFlexConv plain(conv_options(6, 16, 4));
  const auto keys = io::state_dict(*plain);
  for (const char* key : {"bias", "mask_width_param", "mask_mean_param", "mask_threshold", "initialized",
                          "Kernel.output_linear.weight", "Kernel.filters.0.mu", "channel_mixer.weight"})
    EXPECT_TRUE(keys.count(key)) << key;
  EXPECT_EQ(keys.at("channel_mixer.weight").sizes(), (std::vector<int64_t>{16, 6}));
  EXPECT_EQ(keys.at("Kernel.output_linear.weight").sizes(), (std::vector<int64_t>{6, 8, 1, 1, 1}));
  EXPECT_FALSE(keys.count("bottleneck_linear.weight"));
  // The bottleneck needs more than 32 input channels AND a factor.
  nn::SeparablePointFlexConv narrow(conv_options(32, 8, 4).bottleneck_factor(4));
  EXPECT_FALSE(io::state_dict(*narrow).count("bottleneck_linear.weight"));
  nn::SeparablePointFlexConv wide(conv_options(40, 8, 4).bottleneck_factor(4));
  const auto w = io::state_dict(*wide);
  EXPECT_EQ(w.at("bottleneck_linear.weight").sizes(), (std::vector<int64_t>{10, 40}));
  EXPECT_EQ(w.at("channel_mixer.weight").sizes(), (std::vector<int64_t>{8, 10}));
  EXPECT_EQ(w.at("Kernel.output_linear.weight").size(0), 10);
}

TEST(SeparablePointFlexConv, ChangRescaleOnceAndNeverForLoadedWeights) {
  nn::SeparablePointFlexConv conv(conv_options(3, 4, 9));
  const auto before = conv->Kernel->output_linear->weight.clone();
  const auto c = clouds(1, 10, 2);
  const auto x = torch::randn({1, 10, 3});
  conv(x, c.rel_pos, c.sorted);
  EXPECT_TRUE(torch::allclose(conv->Kernel->output_linear->weight, before * (1.0 / 3.0)));
  EXPECT_TRUE(conv->initialized.item<bool>());
  conv(x, c.rel_pos, c.sorted);
  EXPECT_TRUE(torch::allclose(conv->Kernel->output_linear->weight, before * (1.0 / 3.0)));

  // A reference state_dict has no `initialized`: loaded weights count as initialised.
  auto state = io::state_dict(*conv);
  state.erase("initialized");
  nn::SeparablePointFlexConv loaded(conv_options(3, 4, 9));
  io::load_state_dict(*loaded, state, "reference.safetensors");
  EXPECT_TRUE(loaded->initialized.item<bool>());
  loaded(x, c.rel_pos, c.sorted);
  EXPECT_TRUE(torch::equal(loaded->Kernel->output_linear->weight, conv->Kernel->output_linear->weight));
  loaded->to(torch::kFloat64);
  EXPECT_EQ(loaded->initialized.scalar_type(), torch::kBool);
}

TEST(SeparablePointFlexConv, CropNeighboursKeepsTheMaskedPrefix) {
  const auto c = clouds(2, 40, 3);
  const auto x = torch::randn({2, 40, 4});
  auto narrow_mask = conv_options(4, 4, 32);
  narrow_mask.mask().init_value(0.2);
  nn::SeparablePointFlexConv full(narrow_mask), cropped(narrow_mask.crop_neighbours(true));
  io::load_state_dict(*cropped, io::state_dict(*full), "copy");
  torch::NoGradGuard no_grad;
  const auto y_full = full(x, c.rel_pos, c.sorted);
  const auto y_crop = cropped(x, c.rel_pos, c.sorted);
  EXPECT_EQ(full->last_edges, 32);
  ASSERT_LT(cropped->last_edges, 32);
  ASSERT_GT(cropped->last_edges, 1);
  // Every neighbour whose mask reaches the threshold is kept, so only contributions below it are dropped.
  const double root = 0.2 * std::sqrt(-2.0 * std::log(0.1));
  const auto dist = c.rel_pos
                        .gather(2, c.sorted.narrow(2, cropped->last_edges, 32 - cropped->last_edges)
                                       .unsqueeze(3)
                                       .expand({2, 40, 32 - cropped->last_edges, 3}))
                        .norm(2, 3);
  EXPECT_GT(dist.min().item<double>(), root);
  // The same as a conv that reads exactly that many neighbours.
  auto exact = narrow_mask.crop_neighbours(false).num_edges(cropped->last_edges);
  nn::SeparablePointFlexConv short_conv(exact);
  auto state = io::state_dict(*full);
  io::load_state_dict(*short_conv, state, "copy");
  EXPECT_TRUE(torch::allclose(short_conv(x, c.rel_pos, c.sorted), y_crop, 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(y_full, y_crop, 1e-7, 1e-9));
}

TEST(SeparablePointFlexConv, BadInputsNameTheShapes) {
  nn::SeparablePointFlexConv conv(conv_options(3, 4, 9));
  const auto c = clouds(1, 8, 4);
  EXPECT_THROW(conv(torch::randn({1, 8, 3}), c.rel_pos, c.sorted), c10::Error);  // 9 edges of 8 points
  nn::SeparablePointFlexConv ok(conv_options(3, 4, 4));
  EXPECT_THROW(ok(torch::randn({1, 8, 5}), c.rel_pos, c.sorted), c10::Error);
  EXPECT_THROW(ok(torch::randn({1, 8, 3}), c.rel_pos, c.sorted.to(torch::kInt32)), c10::Error);
  EXPECT_NE(test::error_of([] {
              nn::SeparablePointFlexConv(conv_options(3, 4, 0));
            }).find("SeparablePointFlexConvOptions::num_edges"),
            std::string::npos);
}

TEST(GraphBatchNorm, StatisticsOverAllPointsAndBothStateNames) {
  nn::GraphBatchNorm norm(3);
  const auto x = torch::randn({4, 10, 3}) * 2 + 1;
  const auto y = norm(x);
  const auto flat = y.reshape({40, 3});
  EXPECT_TRUE(torch::allclose(flat.mean(0), torch::zeros({3}), 0, 1e-5));
  const auto state = io::state_dict(*norm);
  for (const char* key :
       {"bn.weight", "bn.running_mean", "module.weight", "module.running_mean", "module.num_batches_tracked"})
    EXPECT_TRUE(state.count(key)) << key;
  EXPECT_TRUE(torch::equal(state.at("bn.running_mean"), state.at("module.running_mean")));

  // Either name loads; both must agree.
  io::StateDict only_module;
  for (const auto& [key, value] : state)
    if (key.rfind("module.", 0) == 0) only_module[key] = value.is_floating_point() ? value + 1.0 : value.clone();
  nn::GraphBatchNorm loaded(3);
  io::load_state_dict(*loaded, only_module, "module-only");
  EXPECT_TRUE(torch::equal(loaded->bn->running_mean, only_module.at("module.running_mean")));
  auto unequal = state;
  unequal["module.weight"] = state.at("bn.weight") + 1;
  const std::string msg = test::error_of([&] { io::load_state_dict(*loaded, unequal, "ckpt"); });
  EXPECT_NE(msg.find("ckpt"), std::string::npos);
  EXPECT_NE(msg.find("module.weight"), std::string::npos);
  // An optimizer sees each tensor once.
  EXPECT_EQ(norm->parameters().size(), 2u);
}

namespace {

models::PointCCNNOptions net_options(models::PointResidual residual) {
  return models::PointCCNNOptions(6, 5, conv_options(1, 1, 6)).no_hidden(8).no_blocks(2).point_residual(residual);
}

}  // namespace

TEST(PointS4Block, ReferenceResidualDoublesTheBranch) {
  const auto c = clouds(2, 12, 5);
  const auto x = torch::randn({2, 12, 8});
  auto options = models::PointS4BlockOptions(conv_options(8, 8, 6));
  models::PointS4Block add(options), reference(options.residual(models::PointResidual::Reference));
  io::load_state_dict(*reference, io::state_dict(*add), "copy");
  add->eval();
  reference->eval();
  torch::NoGradGuard no_grad;
  const auto y_add = add(x, c.rel_pos, c.sorted);
  const auto y_ref = reference(x, c.rel_pos, c.sorted);
  const auto branch = y_add - x;
  EXPECT_TRUE(torch::allclose(y_ref, 2 * branch, 1e-5, 1e-6));
  // A projecting shortcut when the width changes; the reference cannot run such a block.
  models::PointS4Block wider(models::PointS4BlockOptions(conv_options(8, 12, 6)));
  EXPECT_EQ(wider(x, c.rel_pos, c.sorted).sizes(), (std::vector<int64_t>{2, 12, 12}));
  EXPECT_TRUE(io::state_dict(*wider).count("shortcut.0.lin.weight"));
  EXPECT_NE(test::error_of([] {
              models::PointS4Block(
                  models::PointS4BlockOptions(conv_options(8, 12, 6)).residual(models::PointResidual::Reference));
            }).find("PointS4BlockOptions::residual"),
            std::string::npos);
}

TEST(PointCCNN, LogitsAndReferenceNames) {
  models::PointCCNN net(net_options(models::PointResidual::Add));
  const auto c = clouds(3, 16, 6);
  const auto x = torch::randn({3, 16, 6});
  const auto y = net(x, c.rel_pos, c.sorted);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3, 5}));
  const auto state = io::state_dict(*net);
  for (const char* key :
       {"conv1.Kernel.filters.0.mu", "norm1.bn.weight", "norm1.module.weight", "blocks.0.conv1.channel_mixer.weight",
        "blocks.1.norm1.bn.running_var", "blocks.1.linear1.lin.weight", "out_layer.lin.weight", "out_norm.bn.bias"})
    EXPECT_TRUE(state.count(key)) << key;
  EXPECT_EQ(net->convs().size(), 3u);
  // Global mean pooling: the logits do not depend on the order of the points.
  const auto perm = torch::randperm(16);
  std::vector<torch::Tensor> rel, idx;
  for (int64_t b = 0; b < 3; ++b) {
    const auto p = c.pos[b].index_select(0, perm);
    rel.push_back(data::relative_positions(p));
    idx.push_back(data::sorted_neighbours(p, 16));
  }
  net->eval();
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(net(x, c.rel_pos, c.sorted),
                              net(x.index_select(1, perm), torch::stack(rel), torch::stack(idx)), 1e-4, 1e-5));
  EXPECT_NE(test::error_of([] {
              models::PointCCNN(net_options(models::PointResidual::Reference).block_width_factors({1.0, 1, 2.0, 1}));
            }).find("PointCCNNOptions::point_residual"),
            std::string::npos);
}

TEST(SeparablePointFlexConv, ChunkedRecomputeGivesTheSameValuesAndGradients) {
  const auto c = clouds(2, 20, 7);
  const auto x = torch::randn({2, 20, 40});
  auto options = conv_options(40, 6, 10).bottleneck_factor(4);
  nn::SeparablePointFlexConv whole(options), chunked(options.max_pairs(70));  // 400 pairs in chunks of 7 points
  io::load_state_dict(*chunked, io::state_dict(*whole), "copy");
  auto run = [&](nn::SeparablePointFlexConv& conv) {
    const auto xi = x.clone().requires_grad_();
    const auto rel = c.rel_pos.clone().requires_grad_();
    const auto y = conv(xi, rel, c.sorted);
    (y * torch::linspace(-1, 1, y.numel()).view(y.sizes())).sum().backward();
    std::vector<torch::Tensor> out{y.detach(), xi.grad(), rel.grad()};
    for (const auto& p : conv->parameters()) out.push_back(p.grad().defined() ? p.grad() : torch::zeros_like(p));
    return out;
  };
  const auto a = run(whole), b = run(chunked);
  EXPECT_TRUE(whole->conv_kernel.defined());
  EXPECT_FALSE(chunked->conv_kernel.defined());
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::allclose(a[i], b[i], 1e-4, 1e-5 * std::max(1.0, a[i].abs().max().item<double>()))) << i;
}

TEST(SeparablePointFlexConv, ReferenceAggregationWeighsThePointsOwnFeatures) {
  const auto c = clouds(2, 12, 8);
  const auto x = torch::randn({2, 12, 5});
  auto options = conv_options(5, 3, 6);
  nn::SeparablePointFlexConv neighbours(options), own(options.aggregation(nn::PointAggregation::Reference));
  io::load_state_dict(*own, io::state_dict(*neighbours), "copy");
  torch::NoGradGuard no_grad;
  const auto y_neighbours = neighbours(x, c.rel_pos, c.sorted);
  const auto y_own = own(x, c.rel_pos, c.sorted);
  // The same sampled kernel; only whose features it weighs differs.
  EXPECT_TRUE(torch::allclose(own->conv_kernel, neighbours->conv_kernel));
  EXPECT_TRUE(torch::allclose(y_own, own->channel_mixer(x * own->conv_kernel.sum(2)), 1e-5, 1e-6));
  EXPECT_FALSE(torch::allclose(y_own, y_neighbours, 1e-3, 1e-3));
}
