#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/schema.h"

namespace {

using longconv::Config;
using longconv::ConfigError;
using longconv::Schema;
using longconv::SchemaResolver;

testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "longconv_config_" + name;
  std::ofstream(path) << text;
  return path;
}

Schema train_schema() {
  Schema schema;
  schema.add_int("train.epochs", 10, "passes over the data")
      .add_float("train.lr", 1e-3, "learning rate")
      .add_bool("train.amp", false, "mixed precision")
      .add_int("train.seed", std::nullopt, "random seed; null: from the clock")
      .add_float("train.clip", std::nullopt, "gradient norm clip; null: none")
      .add_string("train.optimizer", "adamw", "optimizer", {"adamw", "sgd"})
      .add_int_list("train.milestones", {10, 20}, "epochs where the lr drops")
      .add_float_list("train.betas", {0.9, 0.999}, "Adam betas")
      .add_string("run.name", std::nullopt, "run name; null: from the time")
      .add_string_list("data.splits", {"train", "val"}, "splits to load");
  return schema;
}

SchemaResolver fixed(const Schema& schema) {
  return [schema](const YAML::Node&) { return schema; };
}

// Like a model registry: net.type in the raw tree decides which net.* keys exist.
Schema by_net_type(const YAML::Node& raw) {
  Schema schema = train_schema();
  schema.add_string("net.type", "fading", "architecture", {"fading", "hyena"});
  const YAML::Node net = raw["net"];
  const bool hyena = net.IsDefined() && net.IsMap() && net["type"] && net["type"].Scalar() == "hyena";
  Schema net_keys;
  if (hyena)
    net_keys.add_int("d_model", 64, "width").add_int("order", 2, "recurrence depth");
  else
    net_keys.add_int("d_model", 64, "width").add_float("decay", 0.5, "kernel decay");
  return schema.merge("net", net_keys);
}

Config parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return Config::parse(text, "test.yaml", overrides, fixed(train_schema()));
}

// The message of the ConfigError that `parse` throws, or a test failure.
std::string parse_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse(text, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for:\n" << text;
  return "";
}

template <typename F>
std::string config_error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError";
  return "";
}

TEST(Config, EmptyFileGivesDefaults) {
  for (const std::string text : {"", "# all defaults\n", "train:\n"}) {
    const Config config = parse(text);
    EXPECT_EQ(config.get_int("train.epochs"), 10);
    EXPECT_DOUBLE_EQ(config.get_float("train.lr"), 1e-3);
    EXPECT_FALSE(config.get_bool("train.amp"));
    EXPECT_TRUE(config.is_null("train.seed"));
    EXPECT_EQ(config.get_opt_int("train.seed"), std::nullopt);
    EXPECT_EQ(config.get_opt_float("train.clip"), std::nullopt);
    EXPECT_EQ(config.get_string("train.optimizer"), "adamw");
    EXPECT_EQ(config.get_opt_string("run.name"), std::nullopt);
    EXPECT_EQ(config.get_int_list("train.milestones"), (std::vector<int64_t>{10, 20}));
    EXPECT_EQ(config.get_float_list("train.betas"), (std::vector<double>{0.9, 0.999}));
    EXPECT_EQ(config.get_string_list("data.splits"), (std::vector<std::string>{"train", "val"}));
  }
}

TEST(Config, ToYamlShowsEveryKey) {
  const YAML::Node saved = YAML::Load(parse("").to_yaml());
  const Schema schema = train_schema();
  for (const auto& entry : schema.keys()) {
    const size_t dot = entry.first.find('.');
    EXPECT_TRUE(saved[entry.first.substr(0, dot)][entry.first.substr(dot + 1)].IsDefined()) << entry.first;
  }
  EXPECT_TRUE(saved["train"]["seed"].IsNull());
}

TEST(Config, FileOverridesDefaults) {
  const std::string path = write_file("file.yaml",
                                      "train:\n  epochs: 3\n  lr: 0.05\n  amp: True\n  seed: 7\n  optimizer: sgd\n"
                                      "  milestones: [1, 2, 3]\n  betas: [0.5, 1]\nrun:\n  name: baseline\n");
  const Config config = Config::load(path, {}, fixed(train_schema()));
  EXPECT_EQ(config.origin(), path);
  EXPECT_EQ(config.get_int("train.epochs"), 3);
  EXPECT_DOUBLE_EQ(config.get_float("train.lr"), 0.05);
  EXPECT_TRUE(config.get_bool("train.amp"));
  EXPECT_EQ(config.get_int("train.seed"), 7);
  EXPECT_EQ(config.get_string("train.optimizer"), "sgd");
  EXPECT_EQ(config.get_int_list("train.milestones"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(config.get_float_list("train.betas"), (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(config.get_string("run.name"), "baseline");
  EXPECT_TRUE(config.is_null("train.clip"));
}

TEST(Config, OverridesBeatTheFile) {
  const std::string path = write_file("overrides.yaml", "train:\n  lr: 0.05\n  seed: 7\n  milestones: [1]\n");
  const Config config = Config::load(path,
                                     {"train.lr=0.5", "train.seed=null", "train.milestones=[4, 5]", "train.clip=1",
                                      "data.splits=[test]", "run.name=", "train.lr=0.25"},
                                     fixed(train_schema()));
  EXPECT_DOUBLE_EQ(config.get_float("train.lr"), 0.25);  // the last override wins
  EXPECT_TRUE(config.is_null("train.seed"));
  EXPECT_EQ(config.get_int_list("train.milestones"), (std::vector<int64_t>{4, 5}));
  EXPECT_DOUBLE_EQ(config.get_float("train.clip"), 1.0);
  EXPECT_EQ(config.get_string_list("data.splits"), (std::vector<std::string>{"test"}));  // section not in the file
  EXPECT_TRUE(config.is_null("run.name"));
}

TEST(Config, OverrideErrorsNameTheOverride) {
  EXPECT_EQ(parse_error("", {"train.lr"}), "override 'train.lr': expected key=value");
  EXPECT_EQ(parse_error("", {"=3"}), "override '=3': expected key=value");
  EXPECT_EQ(parse_error("", {"train..lr=3"}), "override 'train..lr=3': expected key=value");
  EXPECT_EQ(parse_error("train:\n  lr: 0.1\n", {"train.lr=abc"}),
            "override 'train.lr=abc': key 'train.lr': expected float, got 'abc'");
  EXPECT_EQ(parse_error("", {"train.lrr=3"}),
            "override 'train.lrr=3': unknown key 'train.lrr' (did you mean 'train.lr'?)");
  EXPECT_EQ(parse_error("train:\n  lr: 0.1\n", {"train.lr.x=1"}),
            "override 'train.lr.x=1': key 'train.lr' holds a value, not a section");
  EXPECT_EQ(parse_error("", {"train.lr.x=1"}),
            "override 'train.lr.x=1': key 'train.lr': expected float, got a mapping");
  EXPECT_TRUE(Contains(parse_error("", {"train.milestones=[1, 2"}),
                       "override 'train.milestones=[1, 2': cannot parse YAML: line 1"));
  // A bad value in the file that an override replaces is no error.
  EXPECT_EQ(parse("train:\n  lr: abc\n", {"train.lr=0.5"}).get_float("train.lr"), 0.5);
}

TEST(Config, UnknownKeySuggestsTheClosest) {
  EXPECT_EQ(parse_error("train:\n  lrr: 0.1\n"), "test.yaml: unknown key 'train.lrr' (did you mean 'train.lr'?)");
  EXPECT_EQ(parse_error("trian:\n  epochs: 3\n"),
            "test.yaml: unknown key 'trian.epochs' (did you mean 'train.epochs'?)");
  EXPECT_EQ(parse_error("optim:\n  momentum: 0.9\n"), "test.yaml: unknown key 'optim.momentum'");
  EXPECT_EQ(parse_error("verbose: true\n"), "test.yaml: unknown key 'verbose'");
}

TEST(Config, WrongTypesAreRejected) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"train: {epochs: 1.5}", "key 'train.epochs': expected int, got '1.5'"},
      {"train: {epochs: abc}", "key 'train.epochs': expected int, got 'abc'"},
      {"train: {epochs: true}", "key 'train.epochs': expected int, got 'true'"},
      {"train: {epochs: '5'}", "key 'train.epochs': expected int, got the string '5'"},
      {"train: {epochs: {a: 1}}", "key 'train.epochs': expected int, got a mapping"},
      {"train: {lr: abc}", "key 'train.lr': expected float, got 'abc'"},
      {"train: {lr: false}", "key 'train.lr': expected float, got 'false'"},
      {"train: {lr: [0.1]}", "key 'train.lr': expected float, got a list"},
      {"train: {amp: yes}", "key 'train.amp': expected bool, got 'yes'"},
      {"train: {amp: 1}", "key 'train.amp': expected bool, got '1'"},
      {"run: {name: [a, b]}", "key 'run.name': expected string, got a list"},
      {"train: {milestones: 5}", "key 'train.milestones': expected list of ints, got '5'"},
      {"train: {milestones: [1, x]}", "key 'train.milestones': expected list of ints, got 'x' at index 1"},
      {"train: {milestones: [1, null]}", "key 'train.milestones': expected list of ints, got null at index 1"},
      {"train: {betas: [0.9, b]}", "key 'train.betas': expected list of floats, got 'b' at index 1"},
      {"data: {splits: {a: 1}}", "key 'data.splits': expected list of strings, got a mapping"},
      {"data: {splits: [[a]]}", "key 'data.splits': expected list of strings, got a list at index 0"},
      {"train: 5", "key 'train': expected a section (mapping), got '5'"},
      {"train: [1]", "key 'train': expected a section (mapping), got a list"},
  };
  for (const auto& [text, message] : cases) EXPECT_EQ(parse_error(text), "test.yaml: " + message) << text;
  EXPECT_TRUE(Contains(parse_error("- 1\n"), "test.yaml: expected a mapping at the top level, got a list"));
  EXPECT_TRUE(Contains(parse_error("train: {lr: 1}\ntrain: {lr: 2}\n"), "test.yaml: duplicate key 'train'"));
}

TEST(Config, AcceptedSpellingsAreNormalised) {
  const Config config = parse("train: {epochs: +7, lr: 1, amp: TRUE, clip: 1e-3, betas: [1, .5]}\nrun: {name: 12}\n");
  EXPECT_EQ(config.get_int("train.epochs"), 7);
  EXPECT_EQ(config.get_float("train.lr"), 1.0);
  EXPECT_TRUE(config.get_bool("train.amp"));
  EXPECT_EQ(config.get_float("train.clip"), 1e-3);
  EXPECT_EQ(config.get_string("run.name"), "12");
  const YAML::Node train = config.tree()["train"];
  EXPECT_EQ(train["epochs"].Scalar(), "7");
  EXPECT_EQ(train["lr"].Scalar(), "1.0");
  EXPECT_EQ(train["amp"].Scalar(), "true");
  EXPECT_EQ(train["betas"][0].Scalar(), "1.0");
}

TEST(Config, ValueOutsideChoices) {
  EXPECT_EQ(parse_error("train: {optimizer: adam}"),
            "test.yaml: key 'train.optimizer': expected one of [adamw, sgd], got 'adam'");
}

TEST(Config, NullOnlyForNullableKeys) {
  EXPECT_EQ(parse_error("train: {epochs: null}"), "test.yaml: key 'train.epochs': expected int, got null");
  EXPECT_EQ(parse_error("train:\n  lr:\n"), "test.yaml: key 'train.lr': expected float, got null");
  EXPECT_EQ(parse_error("train: {optimizer: ~}"), "test.yaml: key 'train.optimizer': expected string, got null");
  EXPECT_TRUE(parse("train: {seed: null, clip: ~}\nrun: {name: null}\n").is_null("train.clip"));
}

TEST(Config, MalformedYamlNamesFileAndLine) {
  const std::string path = write_file("malformed.yaml", "train:\n  lr: 0.1\n  milestones: [1, 2\n  epochs: 3\n");
  const std::string message = config_error_of([&] { Config::load(path, {}, fixed(train_schema())); });
  EXPECT_TRUE(Contains(message, path + ": cannot parse YAML: line "));
}

TEST(Config, MissingFile) {
  const std::string path = testing::TempDir() + "longconv_config_does_not_exist.yaml";
  EXPECT_EQ(config_error_of([&] { Config::load(path, {}, fixed(train_schema())); }), path + ": cannot read file");
}

TEST(Config, ResolverPicksKeysFromTheRawTree) {
  const Config fading = Config::parse("net: {type: fading, decay: 0.25}", "f.yaml", {}, by_net_type);
  EXPECT_DOUBLE_EQ(fading.get_float("net.decay"), 0.25);
  EXPECT_FALSE(fading.has("net.order"));

  const Config hyena = Config::parse("net: {type: hyena, order: 3}", "h.yaml", {}, by_net_type);
  EXPECT_EQ(hyena.get_int("net.order"), 3);
  EXPECT_EQ(hyena.get_int("net.d_model"), 64);
  EXPECT_FALSE(hyena.has("net.decay"));

  EXPECT_EQ(config_error_of([] { Config::parse("net: {type: fading, order: 3}", "f.yaml", {}, by_net_type); }),
            "f.yaml: unknown key 'net.order'");
  // The override changes the type, so the file's fading keys no longer exist.
  const std::vector<std::string> to_hyena = {"net.type=hyena"};
  EXPECT_EQ(config_error_of([&] { Config::parse("net: {type: fading, decay: 0.5}", "f.yaml", to_hyena, by_net_type); }),
            "f.yaml: unknown key 'net.decay'");
  EXPECT_EQ(config_error_of([] { Config::parse("net: {type: rnn}", "r.yaml", {}, by_net_type); }),
            "r.yaml: key 'net.type': expected one of [fading, hyena], got 'rnn'");
}

TEST(Config, ToYamlRoundTrips) {
  const Config config = parse(
      "train: {lr: 0.1, clip: 3e-4, betas: [0.1, 0.30000000000000004, 1e-300, 12345678901234567890]}\n"
      "run: {name: 'null'}\ndata: {splits: ['true', 'a: b', '']}\n");
  const std::string yaml = config.to_yaml();
  const Config again = parse(yaml);
  EXPECT_EQ(again.to_yaml(), yaml);
  EXPECT_EQ(again.get_float("train.lr"), 0.1);
  EXPECT_EQ(again.get_float("train.clip"), 3e-4);
  EXPECT_EQ(again.get_float_list("train.betas"),
            (std::vector<double>{0.1, 0.30000000000000004, 1e-300, 12345678901234567890.0}));
  EXPECT_EQ(again.get_string("run.name"), "null");
  EXPECT_EQ(again.get_string_list("data.splits"), (std::vector<std::string>{"true", "a: b", ""}));
  EXPECT_TRUE(again.is_null("train.seed"));
}

TEST(Config, SaveWritesTheResolvedConfig) {
  const Config config = parse("train: {epochs: 4, lr: 0.1}");
  const std::string path = testing::TempDir() + "longconv_config_saved.yaml";
  config.save(path);
  const Config loaded = Config::load(path, {}, fixed(train_schema()));
  EXPECT_EQ(loaded.to_yaml(), config.to_yaml());
  EXPECT_EQ(loaded.get_int("train.epochs"), 4);
}

TEST(Config, SetValidatesLikeAnOverride) {
  Config config = parse("");
  const Config copy = config;
  config.set_value("train.epochs", 20);
  config.set_value("train.lr", 0.1);
  config.set_value("train.milestones", std::vector<int64_t>{7});
  config.set("train.seed", YAML::Node());
  config.set_value("run.name", std::string("probe"));
  EXPECT_EQ(config.get_int("train.epochs"), 20);
  EXPECT_EQ(config.get_float("train.lr"), 0.1);
  EXPECT_EQ(config.get_int_list("train.milestones"), (std::vector<int64_t>{7}));
  EXPECT_EQ(config.get_string("run.name"), "probe");
  EXPECT_EQ(copy.get_int("train.epochs"), 10);  // copies do not share changes
  EXPECT_EQ(parse(config.to_yaml()).to_yaml(), config.to_yaml());

  EXPECT_EQ(config_error_of([&] { config.set_value("train.epochs", 1.5); }),
            "test.yaml (set): key 'train.epochs': expected int, got '1.5'");
  EXPECT_EQ(config_error_of([&] { config.set("train.epochs", YAML::Node()); }),
            "test.yaml (set): key 'train.epochs': expected int, got null");
  EXPECT_EQ(config_error_of([&] { config.set_value("train.optimizer", std::string("adam")); }),
            "test.yaml (set): key 'train.optimizer': expected one of [adamw, sgd], got 'adam'");
  EXPECT_EQ(config_error_of([&] { config.set_value("train.epoch", 3); }),
            "test.yaml: unknown key 'train.epoch' (did you mean 'train.epochs'?)");
  EXPECT_EQ(config.get_int("train.epochs"), 20);
}

TEST(Config, AssignmentDoesNotWriteThroughCopies) {
  Config a = parse("train: {epochs: 1}");
  const Config b = a;
  a = parse("train: {epochs: 2}");
  EXPECT_EQ(a.get_int("train.epochs"), 2);
  EXPECT_EQ(b.get_int("train.epochs"), 1);
}

TEST(Config, GettersNameTheKey) {
  const Config config = parse("train: {epochs: 3}");
  EXPECT_EQ(config.get_float("train.epochs"), 3.0);  // an int is a float
  EXPECT_EQ(config_error_of([&] { config.get_int("train.lr"); }), "test.yaml: key 'train.lr' has type float, not int");
  EXPECT_EQ(config_error_of([&] { config.get_bool("train.epochs"); }),
            "test.yaml: key 'train.epochs' has type int, not bool");
  EXPECT_EQ(config_error_of([&] { config.get_string("train.milestones"); }),
            "test.yaml: key 'train.milestones' has type list of ints, not string");
  EXPECT_EQ(config_error_of([&] { config.get_int_list("train.betas"); }),
            "test.yaml: key 'train.betas' has type list of floats, not list of ints");
  EXPECT_EQ(config_error_of([&] { config.get_int("train.seed"); }), "test.yaml: key 'train.seed' is null");
  EXPECT_EQ(config_error_of([&] { config.get_float("train.lrr"); }),
            "test.yaml: unknown key 'train.lrr' (did you mean 'train.lr'?)");
  EXPECT_EQ(config_error_of([&] { config.is_null("nope"); }), "test.yaml: unknown key 'nope'");
  EXPECT_FALSE(config.has("train"));
  EXPECT_TRUE(config.has("train.lr"));
}

TEST(Schema, BuildersAndLookup) {
  Schema net;
  net.add_int("d_model", 64, "width").add_float("dropout", std::nullopt, "dropout; null: none");
  Schema schema;
  schema.add_string("net.type", "fading", "architecture").merge("net", net).merge("", train_schema());

  const longconv::KeySpec* d_model = schema.find("net.d_model");
  ASSERT_NE(d_model, nullptr);
  EXPECT_EQ(d_model->type, longconv::ValueType::Int);
  EXPECT_EQ(d_model->default_value.Scalar(), "64");
  EXPECT_FALSE(d_model->nullable);
  const longconv::KeySpec* dropout = schema.find("net.dropout");
  ASSERT_NE(dropout, nullptr);
  EXPECT_TRUE(dropout->nullable);
  EXPECT_TRUE(dropout->default_value.IsNull());
  EXPECT_EQ(schema.find("net"), nullptr);
  EXPECT_NE(schema.find("train.lr"), nullptr);
  EXPECT_TRUE(schema.has_section("net"));
  EXPECT_TRUE(schema.has_section("train"));
  EXPECT_FALSE(schema.has_section("ne"));
  EXPECT_FALSE(schema.has_section("net.d_model"));
}

TEST(Schema, MistakesAreLogicErrors) {
  Schema schema;
  schema.add_int("net.d_model", 64, "width");
  EXPECT_THROW(schema.add_int("net.d_model", 32, "again"), std::logic_error);
  EXPECT_THROW(schema.add_float("net", 1.0, "a value where a section is"), std::logic_error);
  EXPECT_THROW(schema.add_int("net.d_model.x", 1, "a section where a value is"), std::logic_error);
  EXPECT_THROW(schema.add_int("net..x", 1, "empty name"), std::logic_error);
  EXPECT_THROW(schema.add_string("net.type", "rnn", "default not a choice", {"fading"}), std::logic_error);
  Schema other;
  other.add_int("d_model", 1, "width");
  EXPECT_THROW(schema.merge("net", other), std::logic_error);
}

}  // namespace
