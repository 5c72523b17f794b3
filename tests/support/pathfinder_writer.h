// Test helper: an LRA Pathfinder directory (pathfinder32/<level>/metadata/<n>.npy listing imgs/<n>/sample_<i>.png) of
// grey 32x32 PNGs with deterministic pixels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/png_test_writer.h"

namespace longconv::test {

constexpr int kPathfinderSide = 32;

inline uint8_t pathfinder_pixel(int image, int k) { return static_cast<uint8_t>((image * 53 + k * 3) % 256); }

// <data_dir>/pathfinder32/<level> with two metadata files of `per_file` images each; image i has label i % 2 and lives
// in imgs/<file>/sample_<i>.png. Metadata/10.npy sorts after 2.npy (numeric order).
inline void write_pathfinder_dir(const std::string& data_dir, int per_file,
                                 const std::string& level = "curv_contour_length_14") {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(data_dir) / "pathfinder32" / level;
  fs::create_directories(root / "metadata");
  int image = 0;
  for (int file : {2, 10}) {
    fs::create_directories(root / "imgs" / std::to_string(file));
    std::ofstream meta(root / "metadata" / (std::to_string(file) + ".npy"));
    for (int k = 0; k < per_file; ++k, ++image) {
      std::vector<uint8_t> pixels(kPathfinderSide * kPathfinderSide);
      for (int p = 0; p < kPathfinderSide * kPathfinderSide; ++p)
        pixels[static_cast<size_t>(p)] = pathfinder_pixel(image, p);
      const std::string name = "sample_" + std::to_string(image) + ".png";
      testing_png::write_png((root / "imgs" / std::to_string(file) / name).string(), kPathfinderSide, kPathfinderSide,
                             1, pixels);
      meta << "imgs/" << file << " " << name << " " << k << " " << image % 2 << " 6 1.5 1 2\n";
    }
  }
}

}  // namespace longconv::test
