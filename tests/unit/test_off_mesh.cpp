#include <gtest/gtest.h>

#include "data/formats/off_mesh.h"
#include "support/helpers.h"

using longconv::data::parse_off;
using longconv::data::read_off;
using longconv::test::error_of;

namespace {

// Message of parsing `text` as "m.off" (empty when it parses).
std::string off_error(const std::string& text) {
  return error_of([&] { parse_off(text, "m.off"); });
}

}  // namespace

TEST(OffMesh, ReadsCommentsPolygonsAndTheGluedHeader) {
  const std::string square =
      "OFF\n# a unit square and a triangle\n5 2 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n"
      "0.5 0.5 1  # apex\n4 0 1 2 3 255 0 0\n3 0 1 4\n";
  const auto mesh = parse_off(square, "m.off");
  ASSERT_EQ(mesh.vertices.size(), 5u);
  EXPECT_EQ(mesh.vertices[4], (std::array<double, 3>{0.5, 0.5, 1}));
  // The quad becomes the fan (0, 1, 2), (0, 2, 3); colours after the indices are ignored.
  ASSERT_EQ(mesh.triangles.size(), 3u);
  EXPECT_EQ(mesh.triangles[0], (std::array<int64_t, 3>{0, 1, 2}));
  EXPECT_EQ(mesh.triangles[1], (std::array<int64_t, 3>{0, 2, 3}));
  EXPECT_EQ(mesh.triangles[2], (std::array<int64_t, 3>{0, 1, 4}));
  // Some ModelNet files glue the counts to the header.
  const auto glued = parse_off("OFF3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n", "m.off");
  EXPECT_EQ(glued.vertices.size(), 3u);
  EXPECT_EQ(glued.triangles.size(), 1u);

  longconv::test::TempDir dir;
  longconv::test::write_file(dir.file("a.off"), square);
  EXPECT_EQ(read_off(dir.file("a.off")).triangles.size(), 3u);
  EXPECT_NE(error_of([&] { read_off(dir.file("missing.off")); }).find("missing.off"), std::string::npos);
}

TEST(OffMesh, MalformedFilesNameFileAndLine) {
  const std::string tri = "0 0 0\n1 0 0\n0 1 0\n";
  EXPECT_NE(off_error("").find("m.off:0: unexpected end of file"), std::string::npos);
  EXPECT_NE(off_error("PLY\n3 1 0\n").find("m.off:1: expected the header 'OFF'"), std::string::npos);
  EXPECT_NE(off_error("OFF\n3\n").find("m.off:2: expected the counts"), std::string::npos);
  EXPECT_NE(off_error("OFF\nthree 1 0\n").find("m.off:2: 'three' is not a valid vertex count"), std::string::npos);
  EXPECT_NE(off_error("OFF\n3 1 0\n0 0 0\n1 0 x\n0 1 0\n3 0 1 2\n").find("m.off:4: 'x' is not a finite number"),
            std::string::npos);
  EXPECT_NE(off_error("OFF\n3 1 0\n0 0 0\n1 0\n0 1 0\n3 0 1 2\n").find("m.off:4: vertex 1: expected 3"),
            std::string::npos);
  EXPECT_NE(off_error("OFF\n3 2 0\n" + tri + "3 0 1 2\n").find("m.off:6: unexpected end of file, expected face 1"),
            std::string::npos);
  EXPECT_NE(off_error("OFF\n3 1 0\n" + tri + "3 0 1 3\n").find("m.off:6: face 0: vertex index 3 outside [0, 3)"),
            std::string::npos);
  EXPECT_NE(off_error("OFF\n3 1 0\n" + tri + "2 0 1\n").find("m.off:6: face 0 has 2 vertices"), std::string::npos);
  EXPECT_NE(off_error("OFF\n3 1 0\n" + tri + "4 0 1 2\n").find("m.off:6: face 0 lists 3 of its 4"), std::string::npos);
  EXPECT_NE(off_error("OFF\n3 1 0\n" + tri + "3 0 -1 2\n").find("m.off:6: '-1' is not a valid vertex index"),
            std::string::npos);
  EXPECT_NE(off_error("OFF\n2 1 0\n0 0 0\n1 0 0\n3 0 1 1\n").find("m.off:2: a mesh needs"), std::string::npos);
}

// Found by fuzz_off_mesh: the vertex count was reserved before any vertex was read, so a 20-byte file asked for
// 96 TB (std::bad_alloc, or the OOM killer). The missing lines are the error.
TEST(OffMesh, HugeCountsOfAShortFileAreMissingLinesNotAnAllocation) {
  EXPECT_NE(off_error("OFF\n4000000000000 1\n3 0 1\n")
                .find("m.off:3: unexpected end of file, expected vertex 1 of 4000000000000"),
            std::string::npos);
}
