// The public library API (include/longconv/): load_run, batch inference and the MultiresNet/MultiresAR steppers on
// runs written here (a config and a checkpoint of perturbed weights, so loading must really read them).
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include <fstream>
#include <stdexcept>

#include "data/formats/wav.h"
#include "io/atomic_file.h"
#include "longconv/longconv.h"
#include "models/multires/ar_sampler.h"
#include "support/helpers.h"
#include "support/png_test_writer.h"
#include "support/temp_dir.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/run_config.h"

namespace {

using longconv::LoadOptions;
using longconv::Model;

constexpr const char* kNetConfig =
    "seed: 3\n"
    "net:\n  type: MultiresNet\n  d_model: 6\n  n_layers: 2\n  kernel_size: 3\n  d_input: 2\n  d_output: 3\n"
    "  max_length: 24\n  dropout: 0.3\n";
constexpr const char* kArConfig =
    "seed: 3\n"
    "net:\n  type: MultiresAR\n  d_model: 6\n  n_layers: 2\n  d_input: 1\n  nr_logistic_mix: 2\n  max_length: 16\n";

// Writes <dir>/config.yaml and <dir>/best.ckpt; returns the module the checkpoint holds, in eval mode.
std::shared_ptr<torch::nn::Module> write_run(const longconv::test::TempDir& dir, const std::string& yaml) {
  longconv::test::write_file(dir.file("config.yaml"), yaml);
  const longconv::Config config = longconv::train::load_run_config(dir.file("config.yaml"), {});
  longconv::models::Net net = longconv::train::build_net(config);
  torch::manual_seed(99);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net.module->parameters()) p.add_(torch::randn_like(p) * 0.3);
  }
  torch::optim::AdamW optimizer(net.module->parameters(), torch::optim::AdamWOptions(0.1));
  const longconv::train::LrSchedule schedule(longconv::train::ScheduleOptions(), 0.1, 10, 1);
  longconv::io::write_file_atomic(dir.file("best.ckpt"),
                                  longconv::train::encode_checkpoint(*net.module, optimizer, schedule, {}));
  net.module->eval();
  return net.module;
}

template <class F>
std::string invalid_argument_of(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(LibraryApi, PredictIsTheCheckpointsModuleInEvalMode) {
  longconv::test::TempDir dir;
  const auto saved = write_run(dir, kNetConfig);
  const Model model = longconv::load_run(dir.path().string());
  EXPECT_EQ(model.net_type(), "MultiresNet");
  EXPECT_FALSE(model.module()->is_training());
  const torch::Tensor x = torch::randn({4, 2, 24});
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = saved->as<longconv::models::MultiresNet>()->forward(x);
  const torch::Tensor logits = model.predict(x);
  ASSERT_EQ(logits.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_TRUE(torch::allclose(logits, expected, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(model.predict_proba(x), torch::softmax(expected, 1), 1e-5, 1e-6));
  // Eval mode: dropout is off, so two calls agree exactly.
  EXPECT_TRUE(torch::equal(model.predict(x), logits));
}

TEST(LibraryApi, Float64LoadsTheSameWeights) {
  longconv::test::TempDir dir;
  write_run(dir, kNetConfig);
  const Model single = longconv::load_run(dir.path().string());
  const Model dbl =
      longconv::load_run(dir.file("config.yaml"), dir.file("best.ckpt"), LoadOptions().dtype(torch::kFloat64));
  EXPECT_EQ(dbl.dtype(), torch::kFloat64);
  const torch::Tensor x = torch::randn({2, 2, 24});
  const torch::Tensor y = dbl.predict(x);  // float32 input, converted
  EXPECT_EQ(y.scalar_type(), torch::kFloat64);
  EXPECT_TRUE(torch::allclose(y.to(torch::kFloat32), single.predict(x), 1e-4, 1e-5));
}

TEST(LibraryApi, LoadingKeepsTheApplicationsRandomStream) {
  longconv::test::TempDir dir;
  write_run(dir, kNetConfig);
  torch::manual_seed(123);
  const torch::Tensor expected = torch::rand({5});
  torch::manual_seed(123);
  longconv::load_run(dir.path().string());  // builds the net, which seeds with the config's seed
  EXPECT_TRUE(torch::equal(torch::rand({5}), expected));
}

TEST(LibraryApi, ConfigValues) {
  longconv::test::TempDir dir;
  write_run(dir, kNetConfig);
  const Model model = longconv::load_run(dir.path().string());
  EXPECT_EQ(model.config_value("net.d_model"), "6");
  EXPECT_EQ(model.config_value("net.tree_select"), "fading");  // a default the file left out
  EXPECT_NE(model.config_yaml().find("d_output: 3"), std::string::npos) << model.config_yaml();
  EXPECT_NE(invalid_argument_of([&] { model.config_value("net.d_modle"); }).find("'net.d_modle'"), std::string::npos);
}

TEST(LibraryApi, ErrorsNameTheFile) {
  longconv::test::TempDir dir;
  const std::string missing = longconv::test::error_of([&] { longconv::load_run(dir.file("nothing")); });
  EXPECT_NE(missing.find(dir.file("nothing") + "/config.yaml"), std::string::npos) << missing;
  write_run(dir, kNetConfig);
  const std::string no_ckpt =
      longconv::test::error_of([&] { longconv::load_run(dir.path().string(), LoadOptions().checkpoint("last.ckpt")); });
  EXPECT_NE(no_ckpt.find(dir.file("last.ckpt")), std::string::npos) << no_ckpt;
  // A checkpoint of another net: its keys do not fit.
  longconv::test::TempDir other;
  write_run(other, kArConfig);
  std::string mismatch;
  try {
    longconv::load_run(dir.file("config.yaml"), other.file("best.ckpt"));
  } catch (const std::exception& e) {
    mismatch = e.what();
  }
  EXPECT_NE(mismatch.find(other.file("best.ckpt")), std::string::npos) << mismatch;
}

TEST(LibraryApi, NetStepperEqualsPredictOnEveryPrefix) {
  longconv::test::TempDir dir;
  write_run(dir, kNetConfig);
  const Model model = longconv::load_run(dir.path().string(), LoadOptions().dtype(torch::kFloat64));
  const torch::Tensor x = torch::randn({3, 2, 24}, torch::kFloat64);
  longconv::MultiresNetStepper stepper(model, 3);
  for (int64_t t = 0; t < 24; ++t) {
    const torch::Tensor logits = stepper.push(x.select(2, t));
    const torch::Tensor expected = model.predict(x.narrow(2, 0, t + 1));
    ASSERT_TRUE(torch::allclose(logits, expected, 1e-9, 1e-10)) << "position " << t;
  }
  EXPECT_EQ(stepper.position(), 24);
  EXPECT_TRUE(torch::allclose(stepper.probabilities(), model.predict_proba(x), 1e-9, 1e-10));
  stepper.reset();
  EXPECT_EQ(stepper.position(), 0);
  EXPECT_TRUE(
      torch::allclose(stepper.push_sequence(x.narrow(2, 0, 10)), model.predict(x.narrow(2, 0, 10)), 1e-9, 1e-10));
}

TEST(LibraryApi, NetStepperRejectsOtherNetsAndShapes) {
  longconv::test::TempDir dir, ar_dir;
  write_run(dir, kNetConfig);
  write_run(ar_dir, kArConfig);
  const Model ar = longconv::load_run(ar_dir.path().string());
  EXPECT_NE(invalid_argument_of([&] { longconv::MultiresNetStepper s(ar); }).find("got net.type MultiresAR"),
            std::string::npos);
  const Model net = longconv::load_run(dir.path().string());
  EXPECT_NE(invalid_argument_of([&] { longconv::MultiresARStepper s(net); }).find("got net.type MultiresNet"),
            std::string::npos);
  longconv::MultiresNetStepper stepper(net, 2);
  EXPECT_THROW(stepper.logits(), c10::Error);  // nothing pushed yet
  try {
    stepper.push(torch::zeros({2, 3}));
    ADD_FAILURE() << "a [2, 3] push into d_input 2 was accepted";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[batch, d_input] = [2, 2]"), std::string::npos) << e.what();
  }
}

TEST(LibraryApi, ArStepperDistributionEqualsPredict) {
  longconv::test::TempDir dir;
  write_run(dir, kArConfig);
  const Model model = longconv::load_run(dir.path().string(), LoadOptions().dtype(torch::kFloat64));
  const torch::Tensor x = torch::rand({2, 1, 16}, torch::kFloat64) * 2 - 1;
  const torch::Tensor full = model.predict(x);  // [2, 6, 16]: position t from x[..., < t]
  ASSERT_EQ(full.sizes(), (std::vector<int64_t>{2, 6, 16}));
  longconv::MultiresARStepper stepper(model, 2);
  for (int64_t t = 0; t < 16; ++t) {
    ASSERT_TRUE(torch::allclose(stepper.next_distribution(), full.select(2, t), 1e-9, 1e-10)) << "position " << t;
    stepper.push(x.select(2, t));
  }
  EXPECT_EQ(stepper.position(), 16);
}

TEST(LibraryApi, ArStepperSamplesAsLongconvSample) {
  longconv::test::TempDir dir;
  write_run(dir, kArConfig);
  const Model model = longconv::load_run(dir.path().string());
  longconv::models::SampleOptions o;
  o.n = 3;
  o.length = 16;
  auto reference_generator = at::make_generator<at::CPUGeneratorImpl>(7);
  const torch::Tensor expected = longconv::models::sample_streaming(
      longconv::models::MultiresAR(std::dynamic_pointer_cast<longconv::models::MultiresARImpl>(model.module())), o,
      reference_generator);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(7);
  longconv::MultiresARStepper stepper(model, 3);
  std::vector<torch::Tensor> drawn;
  for (int64_t t = 0; t < 16; ++t) {
    drawn.push_back(stepper.sample(generator));
    stepper.push(drawn.back());
  }
  const torch::Tensor samples = torch::stack(drawn, 2);
  EXPECT_TRUE(torch::allclose(samples, expected, 1e-6, 1e-6));
  EXPECT_GT(samples.std().item<double>(), 0.01);  // the draws carry the noise
  stepper.reset();
  EXPECT_EQ(stepper.position(), 0);
}

TEST(LibraryApi, ReadsPngAndWav) {
  longconv::test::TempDir dir;
  std::vector<int16_t> pcm = {0, 16384, -32768, 32767};
  longconv::test::write_file(dir.file("a.wav"), longconv::data::encode_wav_pcm16(pcm, 8000));
  const longconv::Audio audio = longconv::read_wav(dir.file("a.wav"));
  EXPECT_EQ(audio.sample_rate, 8000);
  EXPECT_TRUE(torch::equal(audio.samples, torch::tensor({{0.0F, 0.5F, -1.0F, 32767.0F / 32768.0F}})));
  EXPECT_NE(longconv::test::error_of([&] { longconv::read_wav(dir.file("none.wav")); }).find(dir.file("none.wav")),
            std::string::npos);
  std::vector<uint8_t> pixels(2 * 3 * 3);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i * 10);
  longconv::testing_png::write_png(dir.file("rgb.png"), 3, 2, 3, pixels);  // 3 wide, 2 high
  const torch::Tensor rgb = longconv::read_png(dir.file("rgb.png"));
  ASSERT_EQ(rgb.sizes(), (std::vector<int64_t>{3, 2, 3}));
  EXPECT_EQ(rgb[2][1][0].item<int>(), 110);  // blue of row 1, column 0: byte (1 * 3 + 0) * 3 + 2
  pixels.resize(6);
  longconv::testing_png::write_png(dir.file("grey.png"), 3, 2, 1, pixels);
  const torch::Tensor grey = longconv::read_png(dir.file("grey.png"));
  EXPECT_TRUE(torch::equal(grey, torch::tensor({0, 10, 20, 30, 40, 50}, torch::kUInt8).reshape({1, 2, 3})));
  EXPECT_NE(longconv::test::error_of([&] { longconv::read_png(dir.file("none.png")); }).find(dir.file("none.png")),
            std::string::npos);
}

}  // namespace
