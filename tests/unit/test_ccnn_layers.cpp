// CCNN layers: FFT path == direct path, 3D shapes, checkpoint round trip without a second Chang scaling, config
// errors naming the key, and the resolution-change option.
#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#include "config/config.h"
#include "io/state_dict.h"
#include "models/ccnn/ccnn_resnet.h"
#include "models/registry.h"
#include "nn/ccnn/ck_conv.h"
#include "nn/ccnn/kernel_conv.h"
#include "nn/ccnn/ln_loss.h"
#include "support/helpers.h"
#include "train/run_config.h"

namespace {

using longconv::nn::FftLength;
using longconv::nn::KernelConvOptions;

// Direct and FFT (exact lengths) agree in output and gradients for causal 1D and centred 1D/2D/3D, separable or not,
// on one thread (the batch in one transform) and on three (separable: examples, or channels, spread over threads).
TEST(KernelConv, FftEqualsDirect) {
  torch::manual_seed(0);
  struct Case {
    std::vector<int64_t> x, k;
    bool separable, causal;
  };
  const std::vector<Case> cases = {{{2, 3, 40}, {1, 3, 9}, true, true},
                                   {{2, 3, 40}, {1, 3, 8}, true, true},
                                   {{2, 3, 40}, {4, 3, 11}, false, true},
                                   {{2, 3, 37}, {1, 3, 7}, true, false},
                                   {{2, 3, 12, 10}, {1, 3, 5, 7}, true, false},
                                   {{2, 3, 12, 10}, {4, 3, 33, 33}, false, false},
                                   {{1, 2, 6, 7, 5}, {1, 2, 3, 5, 3}, true, false},
                                   {{1, 2, 6, 7, 5}, {3, 2, 3, 3, 3}, false, false},
                                   {{4, 5, 30}, {1, 5, 31}, true, true},
                                   {{1, 5, 9, 8}, {1, 5, 9, 7}, true, false}};
  for (const auto& c : cases) {
    const auto x = torch::randn(c.x, torch::kFloat64).requires_grad_(true);
    const auto k = torch::randn(c.k, torch::kFloat64).requires_grad_(true);
    const auto bias = torch::randn({c.separable ? c.x[1] : c.k[0]}, torch::kFloat64).requires_grad_(true);
    auto o = KernelConvOptions().separable(c.separable).causal(c.causal);
    torch::Tensor weight;  // a random linear functional of the output: its gradients exercise every backward
    // Output and the gradients of x, kernel and bias.
    auto run = [&](const KernelConvOptions& options) {
      const auto y = longconv::nn::kernel_conv(x, k, bias, options);
      if (!weight.defined()) weight = torch::randn_like(y);
      const auto grads = torch::autograd::grad({(y * weight).sum()}, {x, k, bias});
      return std::vector<torch::Tensor>{y.detach(), grads[0], grads[1], grads[2]};
    };
    // Largest difference over the output and the three gradients.
    auto max_diff = [](const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
      double m = 0;
      for (size_t i = 0; i < a.size(); ++i) m = std::max(m, (a[i] - b[i]).abs().max().item<double>());
      return m;
    };
    const auto direct = run(KernelConvOptions(o).fft(false));
    const int threads = at::get_num_threads();
    at::set_num_threads(1);
    const auto fast_one_thread = run(KernelConvOptions(o).fft(true).fft_length(FftLength::Fast));
    at::set_num_threads(3);
    const auto fast = run(KernelConvOptions(o).fft(true).fft_length(FftLength::Fast));
    at::set_num_threads(threads);
    EXPECT_LT(max_diff(direct, fast_one_thread), 1e-10) << c10::IntArrayRef(c.x) << " " << c10::IntArrayRef(c.k);
    const auto ref = run(KernelConvOptions(o).fft(true).fft_length(FftLength::Reference));
    EXPECT_EQ(direct[0].size(1), c.separable ? c.x[1] : c.k[0]);
    EXPECT_LT(max_diff(direct, fast), 1e-10) << c10::IntArrayRef(c.x) << " " << c10::IntArrayRef(c.k);
    // The reference lengths are exact too, except the 1D odd-length irfft quirk (N = L + K' - 1 odd).
    const bool quirk = c.x.size() == 3 && (c.x[2] + c.k[2] + (c.k[2] % 2 == 0) - 1) % 2 == 1;
    const double ref_err = (direct[0] - ref[0]).abs().max().item<double>();
    if (quirk) {
      EXPECT_GT(ref_err, 1e-6) << c10::IntArrayRef(c.x) << " " << c10::IntArrayRef(c.k);
    } else {
      EXPECT_LT(max_diff(direct, ref), 1e-10) << c10::IntArrayRef(c.x) << " " << c10::IntArrayRef(c.k);
    }
  }
}

// A config for the registry's CCNN types with the sections' values the tests need.
longconv::Config ccnn_config(const std::string& type, std::vector<std::string> overrides) {
  std::vector<std::string> all = {"net.type=" + type,    "kernel.type=MAGNet",  "kernel.no_hidden=16",
                                  "kernel.no_layers=2",  "kernel.omega_0=10.0", "mask.type=gaussian",
                                  "mask.init_value=0.3", "mask.threshold=0.1",  "mask.dynamic_cropping=true"};
  all.insert(all.end(), overrides.begin(), overrides.end());
  return longconv::Config::parse("{}", "test", all, longconv::train::run_schema);
}

longconv::models::Net build(const std::string& type, std::vector<std::string> overrides) {
  const auto config = ccnn_config(type, std::move(overrides));
  return longconv::models::net_type(type).build(config);
}

TEST(CKConv, ThreeDimensionalShapes) {
  torch::manual_seed(1);
  auto conv =
      build("SeparableFlexConv", {"net.in_channels=3", "net.out_channels=4", "net.data_dim=3", "kernel.size=5"});
  EXPECT_EQ(conv.forward(torch::randn({2, 3, 6, 7, 5}), {}).sizes(), (std::vector<int64_t>{2, 4, 6, 7, 5}));
  auto net = build("CCNN", {"net.in_channels=2", "net.out_channels=10", "net.data_dim=3", "net.no_hidden=8",
                            "net.no_blocks=2", "net.norm=BatchNorm", "net.nonlinearity=GELU", "net.block.type=S4",
                            "conv.type=SeparableFlexConv", "kernel.size=5"});
  const auto y = net.forward(torch::randn({3, 2, 6, 6, 6}), {});
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3, 10}));
  EXPECT_GT(longconv::nn::ln_loss(*net.module).item<double>(), 0.0);
}

// Chang scaling happens once, on the first forward ever: a loaded checkpoint is not rescaled (upstream issue #14).
TEST(CKConv, CheckpointRoundTripKeepsChangScaling) {
  torch::manual_seed(2);
  auto a =
      build("SeparableFlexConv", {"net.in_channels=3", "net.out_channels=3", "net.data_dim=1", "conv.causal=true"});
  const auto x = torch::randn({2, 3, 50});
  a.forward(x, {});
  const auto state = longconv::io::state_dict(*a.module);
  const auto y = a.forward(x, {});
  auto b =
      build("SeparableFlexConv", {"net.in_channels=3", "net.out_channels=3", "net.data_dim=1", "conv.causal=true"});
  longconv::io::load_state_dict(*b.module, state, "checkpoint");
  EXPECT_TRUE(torch::equal(b.forward(x, {}), y));
  EXPECT_TRUE(torch::equal(longconv::io::state_dict(*b.module).at("Kernel.output_linear.weight"),
                           state.at("Kernel.output_linear.weight")));
  EXPECT_EQ(state.at("train_length").scalar_type(), torch::kInt);
  EXPECT_EQ(state.at("initialized").scalar_type(), torch::kBool);
}

TEST(CKConv, BadConfigValuesNameTheKey) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"kernel.size", {"kernel.size=32"}},
      {"kernel.size", {"kernel.size=big"}},
      {"mask.threshold", {"mask.threshold=2.0"}},
      {"mask.init_value", {"mask.init_value=-1.0"}},
      {"mask.type", {"mask.type=sigmoid"}},
      {"kernel.type", {"kernel.type=RFNet"}},
      {"kernel.no_hidden", {"kernel.no_hidden=-1"}},
      {"net.data_dim", {"net.data_dim=0"}},
      {"conv.causal", {"conv.causal=true", "net.data_dim=2"}}};
  for (const auto& [key, overrides] : cases) {
    auto all = overrides;
    all.insert(all.end(), {"net.in_channels=2", "net.out_channels=2"});
    if (std::none_of(all.begin(), all.end(), [](const std::string& s) { return s.rfind("net.data_dim", 0) == 0; }))
      all.push_back("net.data_dim=1");
    const auto message = longconv::test::error_of([&] { build("SeparableFlexConv", all); });
    EXPECT_NE(message.find(key), std::string::npos) << key << ": '" << message << "'";
  }
  const auto message = longconv::test::error_of([&] {
    build("CCNN", {"net.in_channels=1", "net.out_channels=2", "net.data_dim=1", "net.no_hidden=4", "net.no_blocks=1",
                   "net.norm=BatchNorm", "net.nonlinearity=GELU", "net.block.type=S4", "conv.type=Conv"});
  });
  EXPECT_NE(message.find("conv.type"), std::string::npos) << message;
}

// The "auto" path takes the FFT for a 65x65 depthwise kernel on 64x64 inputs and gives the direct path's result.
TEST(CKConv, AutoPathPicksFftForLarge2DKernels) {
  torch::manual_seed(3);
  auto direct = build("SeparableFlexConv", {"net.in_channels=4", "net.out_channels=4", "net.data_dim=2",
                                            "kernel.size=65", "mask.init_value=0.75", "conv.path=direct"});
  auto fast = build("SeparableFlexConv", {"net.in_channels=4", "net.out_channels=4", "net.data_dim=2", "kernel.size=65",
                                          "mask.init_value=0.75", "conv.path=auto"});
  longconv::io::load_state_dict(*fast.module, longconv::io::state_dict(*direct.module), "copy");
  const auto x = torch::randn({2, 4, 64, 64});
  const auto yd = direct.forward(x, {});
  const auto yf = fast.forward(x, {});
  EXPECT_TRUE(fast.module->as<longconv::nn::CKConvImpl>()->last_forward_used_fft);
  EXPECT_FALSE(direct.module->as<longconv::nn::CKConvImpl>()->last_forward_used_fft);
  EXPECT_LT((yd - yf).abs().max().item<double>(), 1e-4 * yd.abs().max().item<double>());
}

// ... and the direct kernel for a short 1D kernel over a long sequence (sMNIST's case) and for 2D CIFAR-10's 33x33
// kernel on 32x32 inputs, where the FFT's estimate is 24% above the direct kernel's (which skips the kernel rows on
// padding; the FFT must win by 25%).
TEST(CKConv, AutoPathPicksDirectForShortKernels) {
  torch::manual_seed(5);
  auto conv = build("SeparableFlexConv", {"net.in_channels=4", "net.out_channels=4", "net.data_dim=1",
                                          "conv.causal=true", "kernel.size=33", "conv.path=auto"});
  conv.forward(torch::randn({2, 4, 784}), {});
  EXPECT_FALSE(conv.module->as<longconv::nn::CKConvImpl>()->last_forward_used_fft);
  auto conv2d = build("SeparableFlexConv", {"net.in_channels=4", "net.out_channels=4", "net.data_dim=2",
                                            "kernel.size=33", "mask.init_value=0.75", "conv.path=auto"});
  conv2d.forward(torch::randn({64, 4, 32, 32}), {});
  EXPECT_FALSE(conv2d.module->as<longconv::nn::CKConvImpl>()->last_forward_used_fft);
}

// "auto" (the default) gives the reference rule's outputs: a 65-tap causal kernel over 101 samples is cheaper
// direct, but the reference's FFT at the odd N = 165 drops a sample (the kept quirk), so auto takes that FFT too; at
// 100 samples (N even) it takes the direct kernel, equal up to rounding.
TEST(CKConv, AutoPathGivesTheReferenceRulesOutputs) {
  torch::manual_seed(9);
  const std::vector<std::string> common{"net.in_channels=4",   "net.out_channels=4", "net.data_dim=1",
                                        "conv.causal=true",    "conv.use_fft=true",  "kernel.size=65",
                                        "mask.init_value=0.75"};
  auto with = [&](const std::string& path) {
    auto o = common;
    o.push_back("conv.path=" + path);
    return build("SeparableFlexConv", o);
  };
  auto reference = with("reference");
  auto fast = with("auto");
  longconv::io::load_state_dict(*fast.module, longconv::io::state_dict(*reference.module), "copy");
  for (const int64_t length : {101, 100}) {
    const auto x = torch::randn({2, 4, length});
    const auto yr = reference.forward(x, {});
    const auto ya = fast.forward(x, {});
    EXPECT_TRUE(reference.module->as<longconv::nn::CKConvImpl>()->last_forward_used_fft) << length;
    EXPECT_EQ(fast.module->as<longconv::nn::CKConvImpl>()->last_forward_used_fft, length == 101) << length;
    EXPECT_LT((yr - ya).abs().max().item<double>(), 1e-5 * yr.abs().max().item<double>()) << length;
  }
}

// conv.resolution_change: resample. A smooth 2D signal sampled at 28x28 and at 56x56 (pixel j of the finer image at
// coordinate j / 2): the finer response, subsampled, matches the coarse one, because the same continuous kernel is
// sampled on a twice finer grid (65 instead of 33 taps) and the sum rescaled by 1 / 2^2. The reference behaviour
// (same 33 taps in pixel units) does not.
TEST(CKConv, ResampleKeepsTheResponseAtTwiceTheResolution) {
  torch::manual_seed(4);
  const auto signal = [](int64_t n) {
    const double scale = static_cast<double>(n) / 28.0;
    const auto u = torch::arange(n, torch::kFloat64) / scale;  // coordinates in 28-pixel units
    const auto bump = [](const torch::Tensor& t) { return torch::exp(-(t - 13.5).square() / 32.0); };
    const auto row = bump(u) * torch::cos(0.3 * u), col = bump(u) * torch::sin(0.2 * u + 0.5);
    return torch::stack({row.unsqueeze(1) * col.unsqueeze(0), row.unsqueeze(1) * bump(u).unsqueeze(0)}).unsqueeze(0);
  };
  const std::vector<std::string> common = {"net.in_channels=2", "net.out_channels=3", "net.data_dim=2",
                                           "kernel.size=33",    "kernel.omega_0=0.1", "conv.train_resolution=28"};
  auto with = [&](const std::string& mode) {
    auto o = common;
    o.push_back("conv.resolution_change=" + mode);
    return o;
  };
  auto resample = build("SeparableFlexConv", with("resample"));
  resample.module->to(torch::kFloat64);
  auto reference = build("SeparableFlexConv", with("reference"));
  reference.module->to(torch::kFloat64);
  const auto coarse = resample.forward(signal(28), {});  // first forward: train_length 33, Chang init
  longconv::io::load_state_dict(*reference.module, longconv::io::state_dict(*resample.module), "copy");
  using torch::indexing::Slice;
  const auto fine = resample.forward(signal(56), {}).index({Slice(), Slice(), Slice(0, 56, 2), Slice(0, 56, 2)});
  const auto fine_reference =
      reference.forward(signal(56), {}).index({Slice(), Slice(), Slice(0, 56, 2), Slice(0, 56, 2)});
  const double scale = coarse.abs().max().item<double>();
  const double err = (fine - coarse).abs().max().item<double>() / scale;
  const double err_reference = (fine_reference - coarse).abs().max().item<double>() / scale;
  EXPECT_LT(err, 0.02);
  EXPECT_GT(err_reference, 10 * err);
  RecordProperty("relative_error_resample", std::to_string(err));
  RecordProperty("relative_error_reference", std::to_string(err_reference));
  std::cout << "resample error " << err << ", reference behaviour error " << err_reference << "\n";
}

}  // namespace
