#include "train/checkpoint_net.h"

#include "train/experiment.h"
#include "train/run_config.h"

namespace longconv::train {

CheckpointNet load_checkpoint_net(const std::string& path) {
  CheckpointNet c;
  c.info = read_checkpoint_info(path);
  const std::string origin = path + " (stored config)";
  c.config = Config::parse(c.info.config_yaml, origin, {}, [&origin](const YAML::Node& raw) {
    try {
      return run_schema(raw);
    } catch (const ConfigError& e) {
      throw ConfigError(origin + ": " + e.what());
    }
  });
  c.net = build_net(c.config);
  load_checkpoint(path, *c.net.module);
  c.net.module->eval();
  return c;
}

}  // namespace longconv::train
