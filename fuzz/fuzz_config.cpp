// Config YAML + key=value overrides (Config::parse), against a schema shaped like the run config's: every value type,
// nullable keys, choices, and a `net` section chosen by the raw tree's net.type. What is accepted must read back
// through every typed getter and survive to_yaml() -> parse unchanged (config.yaml is what --resume reads).
#include <sstream>

#include "config/config.h"
#include "fuzz_input.h"

namespace {

using longconv::Schema;

Schema fuzz_schema(const YAML::Node& raw) {
  Schema s;
  s.add_int("seed", 0, "seed")
      .add_int("threads", 0, "threads")
      .add_string("device", "cpu", "device", {"cpu", "cuda"})
      .add_string("net.type", std::nullopt, "net type", {"Conv", "Tree"})
      .add_int("train.epochs", 100, "epochs")
      .add_float("train.lr", 0.01, "lr")
      .add_int("train.max_batches", std::nullopt, "cap")
      .add_bool("train.shuffle", true, "shuffle")
      .add_string("train.out_dir", "runs/default", "out dir")
      .add_int_list("dataset.sizes", {1, 2, 3}, "sizes")
      .add_float_list("dataset.mean", {0.5}, "mean")
      .add_string_list("dataset.files", {"a.bin"}, "files")
      .add_float("dataset.val_split", std::nullopt, "val split");
  // As run_schema: the net section depends on a value of the raw (merged) tree.
  if (raw.IsMap() && raw["net"] && raw["net"].IsMap() && raw["net"]["type"] && raw["net"]["type"].IsScalar()) {
    Schema net;
    if (raw["net"]["type"].Scalar() == "Conv")
      net.add_int("channels", 4, "channels").add_string("kernel.size", "same", "kernel size");
    else
      net.add_int("depth", std::nullopt, "depth").add_float_list("factors", {0.0}, "factors");
    s.merge("net", net);
  }
  return s;
}

// Every key through its getter.
void read_all(const longconv::Config& c) {
  using longconv::ValueType;
  for (const auto& [key, spec] : c.schema().keys()) {
    if (c.is_null(key)) continue;
    switch (spec.type) {
      case ValueType::Int:
        c.get_int(key);
        break;
      case ValueType::Float:
        c.get_float(key);
        break;
      case ValueType::Bool:
        c.get_bool(key);
        break;
      case ValueType::String:
        c.get_string(key);
        break;
      case ValueType::IntList:
        c.get_int_list(key);
        break;
      case ValueType::FloatList:
        c.get_float_list(key);
        break;
      case ValueType::StringList:
        c.get_string_list(key);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto parts = longconv::fuzz::split_parts(data, size, 2);
  std::vector<std::string> overrides;
  std::istringstream lines(parts[1]);
  for (std::string line; std::getline(lines, line);) overrides.push_back(line);
  longconv::Config config;
  try {
    config = longconv::Config::parse(parts[0], "fuzz.yaml", overrides, fuzz_schema);
  } catch (const std::exception&) {
    return 0;
  }
  read_all(config);
  const std::string yaml = config.to_yaml();
  const longconv::Config again = longconv::Config::parse(yaml, "config.yaml", {}, fuzz_schema);
  read_all(again);
  if (again.to_yaml() != yaml) __builtin_trap();
  return 0;
}
