// OFF meshes as ModelNet ships them (and PyG's read_off reads them): an "OFF" header line, the counts "V F E" (on
// the next line, or glued to the header as "OFF490 518 0" in some ModelNet files), V vertex lines "x y z", F face
// lines "n i_1 ... i_n" (anything after the n indices, such as colours, is ignored). '#' starts a comment; blank
// lines are skipped. Polygons are split into the fan of triangles (i_1, i_k, i_k+1), as PyG does.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace longconv::data {

struct TriangleMesh {
  std::vector<std::array<double, 3>> vertices;
  std::vector<std::array<int64_t, 3>> triangles;  // vertex indices
};

// std::runtime_error naming the file and line for a missing or unreadable file, a missing header or count, a
// malformed number, too few vertex or face lines, a face of fewer than 3 vertices or an index outside [0, V).
TriangleMesh read_off(const std::string& path);
TriangleMesh parse_off(const std::string& text, const std::string& origin);  // the same from text (origin names it)

}  // namespace longconv::data
