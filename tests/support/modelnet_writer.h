// Test helper: a ModelNet tree in the published layout (<category>/{train,test}/<category>_NNNN.off) of tiny meshes:
// even categories a tetrahedron, odd ones a unit cube whose OFF header is glued to the counts line (as some ModelNet
// files have it), and a README.txt that is not a category.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include "support/helpers.h"

namespace longconv::test {

inline const std::string kOffTetrahedron =
    "OFF\n4 4 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 2 1\n3 0 1 3\n3 0 3 2\n3 1 2 3\n";
inline const std::string kOffCube =
    "OFF8 6 0\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n"
    "4 0 2 3 1\n4 4 5 7 6\n4 0 1 5 4\n4 2 6 7 3\n4 0 4 6 2\n4 1 3 7 5\n";

// `categories` folders (ModelNet10's names for 10, category_CC otherwise) with `train` training meshes and one test
// mesh each.
inline void write_modelnet_tree(const std::filesystem::path& root, int categories, int train) {
  const char* names10[] = {"bathtub", "bed",         "chair", "desk",  "dresser",
                           "monitor", "night_stand", "sofa",  "table", "toilet"};
  for (int c = 0; c < categories; ++c) {
    char category[32];
    std::snprintf(category, sizeof(category), "category_%02d", c);
    const std::string name = categories == 10 ? names10[c] : category;
    for (const std::string split : {"train", "test"}) {
      std::filesystem::create_directories(root / name / split);
      for (int i = 1; i <= (split == "train" ? train : 1); ++i) {
        char file[64];
        std::snprintf(file, sizeof(file), "%s_%04d.off", name.c_str(), i + (split == "test" ? 100 : 0));
        write_file((root / name / split / file).string(), c % 2 ? kOffCube : kOffTetrahedron);
      }
    }
  }
  write_file((root / "README.txt").string(), "not a category");
}

}  // namespace longconv::test
