// `longconv export` writes back exactly the state_dict the official code saved: every golden case's weights, loaded
// into the module its config builds and stored in a checkpoint, come out of `export` under the same keys with the
// same values and the reference's dtypes (CCNN's int32 train_length, bool initialized, int64 num_batches_tracked).
#include <gtest/gtest.h>

#include <fstream>

#include "io/atomic_file.h"
#include "support/cli.h"
#include "support/golden.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/run_config.h"

namespace {

torch::Dtype dtype_named(const std::string& name) {
  if (name == "int32") return torch::kInt;
  if (name == "int64") return torch::kLong;
  if (name == "bool") return torch::kBool;
  if (name == "float32") return torch::kFloat;
  throw std::runtime_error("unknown dtype " + name);
}

void export_case(const std::string& family, const std::string& name, const std::string& type,
                 const std::vector<std::string>& overrides) {
  SCOPED_TRACE(name);
  const auto c = longconv::test::load_golden(family, name);
  longconv::test::TempDir dir;
  std::ofstream(dir.file("net.yaml")) << "net:\n  type: " << type << "\n";
  const longconv::Config config = longconv::train::load_run_config(dir.file("net.yaml"), overrides);
  longconv::models::Net net = longconv::train::build_net(config);
  auto reference = c.with_prefix("param.");
  reference.merge(c.with_prefix("buffer."));
  longconv::io::load_state_dict(*net.module, reference, name);

  torch::optim::AdamW optimizer(net.module->parameters());
  longconv::train::LrSchedule schedule(longconv::train::ScheduleOptions{}, 0.01, 10, 1);
  longconv::train::CheckpointInfo info;
  info.epoch = 1;
  info.config_yaml = config.to_yaml();
  longconv::io::write_file_atomic(dir.file("best.ckpt"),
                                  longconv::train::encode_checkpoint(*net.module, optimizer, schedule, info));
  const auto r =
      longconv::test::run_cli(dir, "export " + dir.file("best.ckpt") + " --out " + dir.file("m.safetensors"));
  ASSERT_EQ(r.code, 0) << r.err;

  // The golden files store int and bool buffers as I64, naming the original dtype in metadata buffer_dtypes.
  nlohmann::json dtypes = nlohmann::json::object();
  if (const auto it = c.file.metadata.find("buffer_dtypes"); it != c.file.metadata.end())
    dtypes = nlohmann::json::parse(it->second);
  const auto exported = longconv::io::read_safetensors(dir.file("m.safetensors"));
  EXPECT_EQ(exported.metadata.at("format"), "pt");
  std::vector<std::string> expected_keys, exported_keys;
  for (const auto& [key, tensor] : reference) expected_keys.push_back(key);
  for (const auto& [key, tensor] : exported.tensors) exported_keys.push_back(key);
  EXPECT_EQ(exported_keys, expected_keys);
  for (const auto& [key, expected] : reference) {
    const auto it = exported.tensors.find(key);
    if (it == exported.tensors.end()) continue;
    const torch::Dtype dtype =
        dtypes.contains(key) ? dtype_named(dtypes[key].get<std::string>()) : expected.scalar_type();
    EXPECT_EQ(it->second.scalar_type(), dtype) << key;
    EXPECT_EQ(it->second.sizes(), expected.sizes()) << key;
    EXPECT_TRUE(torch::equal(it->second.to(expected.scalar_type()), expected)) << key;
  }
}

}  // namespace

TEST(ExportGolden, MultiresLayersNetsAndAutoregressiveNets) {
  for (const std::string prefix : {"layer_", "net_", "ar_"})
    for (const auto& name : longconv::test::golden_case_names("multires", prefix)) {
      const auto c = longconv::test::load_golden("multires", name);
      const auto type = longconv::test::multires_net_type(c);
      export_case("multires", name, type, longconv::test::ctor_overrides(type, c.config["ctor"]));
    }
}

TEST(ExportGolden, Ccnn) {
  for (const auto& name : longconv::test::golden_case_names("ccnn", "")) {
    const auto c = longconv::test::load_golden("ccnn", name);
    const auto overrides = longconv::test::ccnn_case_overrides(c);
    export_case("ccnn", name, overrides.front().substr(std::string("net.type=").size()), overrides);
  }
}
