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

std::string config_error_of(const std::function<void()>& f) {
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
  const std::string message = config_error_of([&] { train::load_run_config(path, {}); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("NoSuchNet"), std::string::npos) << message;
  for (const auto& name : models::net_type_names()) EXPECT_NE(message.find(name), std::string::npos) << message;
}

TEST(RunConfig, MissingNetTypeListsTheKnownOnes) {
  const std::string message = config_error_of([] { parse("seed: 3\n"); });
  EXPECT_NE(message.find("net.type"), std::string::npos) << message;
  for (const auto& name : models::net_type_names()) EXPECT_NE(message.find(name), std::string::npos) << message;
}

TEST(RunConfig, Defaults) {
  const Config c = parse("net:\n  type: " + a_net_type() + "\n");
  EXPECT_EQ(c.get_int("seed"), 1);
  EXPECT_EQ(c.get_int("threads"), 0);
  EXPECT_EQ(c.get_string("device"), "cpu");
  EXPECT_TRUE(c.is_null("dataset.name"));
  EXPECT_FALSE(c.has("dataset.val_split"));  // a dataset's keys come with its name
  const Config d = parse("net:\n  type: " + a_net_type() + "\ndataset:\n  name: fashion_mnist\n");
  EXPECT_EQ(d.get_string("dataset.data_dir"), "/usr/share/datasets/fashion-mnist");
  EXPECT_DOUBLE_EQ(d.get_float("dataset.val_split"), 0.1);
  EXPECT_EQ(d.get_int("dataset.split_seed"), 42);
  EXPECT_EQ(c.get_string("optimizer.name"), "AdamW");
  EXPECT_EQ(c.get_string("scheduler.name"), "cosine");
  EXPECT_EQ(c.get_string("train.out_dir"), "runs/default");
  EXPECT_TRUE(c.is_null("train.max_train_batches"));

  const train::TrainerOptions o = train::trainer_options(c);
  EXPECT_EQ(o.loader.batch_size, 64);
  EXPECT_EQ(o.epochs, 100);
  EXPECT_EQ(train::eval_options(o).loader.batch_size, o.loader.batch_size);  // null eval_batch_size
  EXPECT_DOUBLE_EQ(o.optimizer.beta1, 0.9);
  EXPECT_DOUBLE_EQ(o.optimizer.beta2, 0.999);
  EXPECT_DOUBLE_EQ(o.optimizer.eps, 1e-8);
  EXPECT_DOUBLE_EQ(o.grad_clip, 0.0);
  EXPECT_DOUBLE_EQ(o.schedule.warmup_epochs, 0.0);
  EXPECT_EQ(o.seed, 1u);
  EXPECT_TRUE(o.device.is_cpu());
}

TEST(RunConfig, DatasetNameAddsItsKeys) {
  const std::string net = "net:\n  type: " + a_net_type() + "\n";
  const Config c = parse(net + "dataset:\n  name: fashion_mnist\n  layout: permuted\n");
  EXPECT_EQ(c.get_string("dataset.layout"), "permuted");
  EXPECT_EQ(c.get_int("dataset.permutation_seed"), 0);
  EXPECT_TRUE(c.get_bool("dataset.normalize"));
  EXPECT_NE(config_error_of([&] { parse(net + "dataset:\n  layout: image\n"); }).find("dataset.layout"),
            std::string::npos);

  const std::string unknown = config_error_of([&] { parse(net + "dataset:\n  name: imagenet\n"); });
  EXPECT_NE(unknown.find("imagenet"), std::string::npos) << unknown;
  for (const auto& name : data::dataset_type_names()) EXPECT_NE(unknown.find(name), std::string::npos) << unknown;
}

TEST(RunConfig, OutOfRangeValuesNameTheKey) {
  const std::string net = "net:\n  type: " + a_net_type() + "\n";
  for (const std::string bad : {"train.epochs=0", "optimizer.lr=-1", "optimizer.beta2=1.5", "train.batch_size=0",
                                "scheduler.warmup_epochs=-0.5", "train.max_eval_batches=0"}) {
    const std::string key = bad.substr(0, bad.find('='));
    const std::string message = config_error_of([&] { train::trainer_options(parse(net, {bad})); });
    EXPECT_NE(message.find(key), std::string::npos) << bad << ": " << message;
    // The error starts with where the value came from: the override, not the file.
    EXPECT_EQ(message.rfind("override '" + bad + "': key '" + key + "'", 0), 0u) << message;
  }
}

TEST(RunConfig, LayerOptionRulesAreReportedWithTheConfigKey) {
  // Checked by the layers themselves (OptionError naming the option), re-labelled by the bindings.
  const std::string ccnn =
      "net:\n  type: CCNN\n  in_channels: 1\n  out_channels: 2\n  data_dim: 1\nkernel:\n  type: MAGNet\n"
      "  no_hidden: 4\n  no_layers: 2\nconv:\n  type: SeparableFlexConv\n";
  for (const std::string bad : {"mask.threshold=2", "kernel.no_hidden=0", "net.no_hidden=0", "kernel.size=4",
                                "conv.stride=2", "net.block_width_factors=[1.0, 3]", "net.dropout=1.5"}) {
    const std::string key = bad.substr(0, bad.find('='));
    const std::string message = config_error_of([&] {
      const Config c = parse(ccnn, {bad});
      models::net_type("CCNN").build(c);
    });
    EXPECT_EQ(message.rfind("override '" + bad + "': key '" + key + "'", 0), 0u) << bad << ": " << message;
  }
  const std::string multires = "net:\n  type: MultiresNet\n  d_input: 1\n  d_model: 4\n  max_length: 16\n";
  for (const std::string bad : {"net.depth=63", "net.hinit=db99", "net.tree_select=uniform", "net.d_model=0"}) {
    const std::string key = bad == "net.tree_select=uniform" ? "net.d_mem" : bad.substr(0, bad.find('='));
    const std::string message = config_error_of([&] {
      const Config c = parse(multires, {bad});
      models::net_type("MultiresNet").build(c);
    });
    EXPECT_NE(message.find("key '" + key + "'"), std::string::npos) << bad << ": " << message;
  }
}

TEST(RunConfig, DatasetEnumKeysTakeOnlyTheirNames) {
  const std::string net = "net:\n  type: " + a_net_type() + "\n";
  for (const std::string bad : {"dataset.layout=spiral", "dataset.stats=imagenet", "dataset.task=segmentation"}) {
    const std::string message = config_error_of([&] { parse(net + "dataset:\n  name: cifar10\n", {bad}); });
    EXPECT_NE(message.find("key '" + bad.substr(0, bad.find('=')) + "': expected one of"), std::string::npos)
        << message;
  }
  for (const auto& [name, bad] :
       std::vector<std::pair<std::string, std::string>>{{"listops", "dataset.padding=middle"},
                                                        {"pathfinder", "dataset.difficulty=brutal"},
                                                        {"ptbxl", "dataset.labels=nonsense"},
                                                        {"mnist", "dataset.layout=spiral"}}) {
    const std::string message = config_error_of([&] { parse(net + "dataset:\n  name: " + name + "\n", {bad}); });
    EXPECT_NE(message.find("expected one of"), std::string::npos) << bad << ": " << message;
  }
}

TEST(RunConfig, RenamedDatasetKeysSayTheirNewName) {
  const std::string net = "net:\n  type: " + a_net_type() + "\n";
  const std::string cifar = config_error_of([&] { parse(net + "dataset:\n  name: cifar10\n  normalize: multires\n"); });
  EXPECT_NE(cifar.find("dataset.stats"), std::string::npos) << cifar;
  const std::string ptbxl = config_error_of([&] { parse(net + "dataset:\n  name: ptbxl\n  task: rhythm\n"); });
  EXPECT_NE(ptbxl.find("dataset.labels"), std::string::npos) << ptbxl;
}
