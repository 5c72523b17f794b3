#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/safetensors.h"
#include "io/state_dict.h"
#include "support/helpers.h"

using longconv::io::load_state_dict;
using longconv::io::read_safetensors;
using longconv::io::state_dict;
using longconv::io::StateDict;
using longconv::io::write_safetensors;
using longconv::test::error_of;
using longconv::test::TempDir;

namespace {

struct Inner : torch::nn::Module {
  Inner() {
    scale = register_parameter("scale", torch::ones({3}));
    count = register_buffer("count", torch::zeros({3}, torch::kInt));
  }
  torch::Tensor scale, count;
};

struct Net : torch::nn::Module {
  Net() {
    fc = register_module("fc", torch::nn::Linear(4, 3));
    bn = register_module("bn", torch::nn::BatchNorm1d(3));
    inner = register_module("inner", std::make_shared<Inner>());
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  std::shared_ptr<Inner> inner;
};

std::vector<std::string> keys(const StateDict& state) {
  std::vector<std::string> names;
  for (const auto& item : state) names.push_back(item.first);
  return names;
}

}  // namespace

TEST(StateDict, NamesMatchPyTorch) {
  Net net;
  EXPECT_EQ(keys(state_dict(net)),
            (std::vector<std::string>{"bn.bias", "bn.num_batches_tracked", "bn.running_mean", "bn.running_var",
                                      "bn.weight", "fc.bias", "fc.weight", "inner.count", "inner.scale"}));
}

TEST(StateDict, RoundTripsThroughSafetensors) {
  torch::manual_seed(1);
  Net source;
  {
    torch::NoGradGuard no_grad;
    source.bn->running_mean.uniform_();
    source.inner->count.fill_(7);
  }
  TempDir dir;
  const std::string path = dir.file("net.safetensors");
  write_safetensors(path, state_dict(source));

  Net target;
  load_state_dict(target, read_safetensors(path).tensors, path);
  const StateDict expected = state_dict(source), got = state_dict(target);
  for (const auto& [name, value] : expected) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(torch::equal(got.at(name), value));
  }
  EXPECT_TRUE(target.fc->weight.requires_grad());
}

TEST(StateDict, StrictLoadListsEveryProblem) {
  Net net;
  StateDict state = state_dict(net);
  for (auto& [name, value] : state) value = value.clone();
  state.erase("bn.running_var");
  state.erase("inner.scale");
  state["extra"] = torch::zeros({1});
  state["fc.weight"] = torch::zeros({3, 4}).t();
  const torch::Tensor bias_before = net.fc->bias.clone();
  state["fc.bias"] = torch::full({3}, 9.0);

  const std::string msg = error_of([&] { load_state_dict(net, state, "ckpt.safetensors"); });
  EXPECT_EQ(msg,
            "ckpt.safetensors: missing keys: bn.running_var, inner.scale; unexpected keys: extra; "
            "shape mismatch for 'fc.weight': file [4, 3] vs module [3, 4]");
  // Nothing is loaded when anything is wrong.
  EXPECT_TRUE(torch::equal(net.fc->bias, bias_before));
}

TEST(StateDict, ConvertsDtypes) {
  Net net;
  StateDict state = state_dict(net);
  for (auto& [name, value] : state) value = value.clone();
  state["inner.count"] = torch::tensor({1, 2, 3}, torch::kLong);
  state["fc.bias"] = torch::tensor({0.5, 1.5, 2.5}, torch::kDouble);
  load_state_dict(net, state, "mem");
  EXPECT_EQ(net.inner->count.scalar_type(), torch::kInt);
  EXPECT_TRUE(torch::equal(net.inner->count, torch::tensor({1, 2, 3}, torch::kInt)));
  EXPECT_EQ(net.fc->bias.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(net.fc->bias, torch::tensor({0.5f, 1.5f, 2.5f})));
}

// I64 weights for float parameters were cast silently; conversions now stay within float, integer and bool.
TEST(StateDict, RefusesValuesOfAnotherKindNamingTheKey) {
  Net net;
  StateDict state = state_dict(net);
  for (auto& [name, value] : state) value = value.clone();
  state["fc.weight"] = torch::ones({3, 4}, torch::kLong);
  state["inner.count"] = torch::zeros({3});
  state["bn.running_mean"] = torch::zeros({3}, torch::kBool);
  const std::string msg = error_of([&] { load_state_dict(net, state, "w.safetensors"); });
  EXPECT_EQ(msg,
            "w.safetensors: dtype mismatch for 'bn.running_mean': file Bool vs module Float; "
            "dtype mismatch for 'fc.weight': file Long vs module Float; "
            "dtype mismatch for 'inner.count': file Float vs module Int");
  // A buffer takes integers: the reference's int64 counters, into one that Module::to(dtype) made float.
  Net converted;
  converted.to(torch::kDouble);
  StateDict counters = state_dict(Net());
  for (auto& [name, value] : counters) value = value.clone();
  load_state_dict(converted, counters, "reference.safetensors");
  EXPECT_EQ(converted.bn->num_batches_tracked.scalar_type(), torch::kDouble);
}
