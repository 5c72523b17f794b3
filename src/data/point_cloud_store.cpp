#include "data/point_cloud_store.h"

#include <filesystem>
#include <iostream>

#include "io/safetensors.h"

namespace longconv::data {

PointCloudSet load_or_make_point_clouds(const std::string& path, const std::map<std::string, std::string>& key,
                                        const std::function<PointCloudSet()>& make) {
  if (std::filesystem::exists(path)) {
    try {
      const auto file = io::read_safetensors(path);
      if (file.metadata == key && file.tensors.count("pos") && file.tensors.count("normal") &&
          file.tensors.count("labels"))
        return {file.tensors.at("pos"), file.tensors.at("normal"), file.tensors.at("labels")};
    } catch (const std::runtime_error& e) {
      std::cerr << "warning: " << e.what() << ": sampling the point clouds again\n";
    }
  }
  PointCloudSet set = make();
  try {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    io::write_safetensors(path, {{"pos", set.pos}, {"normal", set.normal}, {"labels", set.labels}}, key);
  } catch (const std::exception& e) {
    std::cerr << "warning: cannot cache the sampled point clouds (" << e.what() << ")\n";
  }
  return set;
}

}  // namespace longconv::data
