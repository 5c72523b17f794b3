#include <gtest/gtest.h>

#include <fstream>

#include "data/registry.h"
#include "models/registry.h"
#include "support/temp_dir.h"
#include "train/run_config.h"

using namespace longconv;

namespace {

std::string a_net_type() { return models::net_type_names().front(); }

Config parse(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  return Config::parse(yaml, "run.yaml", overrides, train::run_schema);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(RunConfig, UnknownNetTypeListsTheKnownOnes) {
  test::TempDir dir;
  const std::string path = dir.file("run.yaml");
  std::ofstream(path) << "net:\n  type: NoSuchNet\n";
  const std::string message = error_of([&] { train::load_run_config(path, {}); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("NoSuchNet"), std::string::npos) << message;
  for (const auto& name : models::net_type_names()) EXPECT_NE(message.find(name), std::string::npos) << message;
}

TEST(RunConfig, MissingNetTypeListsTheKnownOnes) {
  const std::string message = error_of([] { parse("seed: 3\n"); });
  EXPECT_NE(message.find("net.type"), std::string::npos) << message;
  for (const auto& name : models::net_type_names()) EXPECT_NE(message.find(name), std::string::npos) << message;
}

TEST(RunConfig, Defaults) {
  const Config c = parse("net:\n  type: " + a_net_type() + "\n");
  EXPECT_EQ(c.get_int("seed"), 1);
  EXPECT_EQ(c.get_int("threads"), 0);
  EXPECT_EQ(c.get_string("device"), "cpu");
  EXPECT_TRUE(c.is_null("dataset.name"));
  EXPECT_TRUE(c.is_null("dataset.data_dir"));
  EXPECT_DOUBLE_EQ(c.get_float("dataset.val_split"), 0.1);
  EXPECT_EQ(c.get_int("dataset.split_seed"), 42);
  EXPECT_EQ(c.get_string("optimizer.name"), "AdamW");
  EXPECT_EQ(c.get_string("scheduler.name"), "cosine");
  EXPECT_EQ(c.get_string("train.out_dir"), "runs/default");
  EXPECT_TRUE(c.is_null("train.max_train_batches"));

  const train::TrainerOptions o = train::trainer_options(c);
  EXPECT_EQ(o.eval_batch_size, o.batch_size);  // null eval_batch_size
  EXPECT_DOUBLE_EQ(o.beta1, 0.9);
  EXPECT_DOUBLE_EQ(o.beta2, 0.999);
  EXPECT_DOUBLE_EQ(o.eps, 1e-8);
  EXPECT_DOUBLE_EQ(o.grad_clip, 0.0);
  EXPECT_DOUBLE_EQ(o.warmup_epochs, 0.0);
  EXPECT_EQ(o.seed, 1u);
  EXPECT_TRUE(o.device.is_cpu());
}

TEST(RunConfig, DatasetNameAddsItsKeys) {
  const std::string net = "net:\n  type: " + a_net_type() + "\n";
  const Config c = parse(net + "dataset:\n  name: fashion_mnist\n  layout: permuted\n");
  EXPECT_EQ(c.get_string("dataset.layout"), "permuted");
  EXPECT_EQ(c.get_int("dataset.permutation_seed"), 0);
  EXPECT_TRUE(c.get_bool("dataset.normalize"));
  EXPECT_NE(error_of([&] { parse(net + "dataset:\n  layout: image\n"); }).find("dataset.layout"), std::string::npos);

  const std::string unknown = error_of([&] { parse(net + "dataset:\n  name: imagenet\n"); });
  EXPECT_NE(unknown.find("imagenet"), std::string::npos) << unknown;
  for (const auto& name : data::dataset_type_names()) EXPECT_NE(unknown.find(name), std::string::npos) << unknown;
}

TEST(RunConfig, OutOfRangeValuesNameTheKey) {
  const std::string net = "net:\n  type: " + a_net_type() + "\n";
  for (const std::string bad : {"train.epochs=0", "optimizer.lr=-1", "optimizer.beta2=1.5", "train.batch_size=0",
                                "scheduler.warmup_epochs=-0.5", "train.max_eval_batches=0"}) {
    const std::string key = bad.substr(0, bad.find('='));
    const std::string message = error_of([&] { train::trainer_options(parse(net, {bad})); });
    EXPECT_NE(message.find(key), std::string::npos) << bad << ": " << message;
  }
}
