// LRA Pathfinder: a metadata file and the PNG it lists (written as imgs/0/sample_0.png, the seed's name) through
// make_pathfinder_splits at resolution 32.
#include "data/datasets/pathfinder.h"
#include "dataset_probe.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  const auto parts = fuzz::split_parts(data, size, 2);
  const std::string level = "pathfinder32/" + data::pathfinder_difficulty_dir(data::PathfinderDifficulty::Hard);
  fuzz::clear_scratch();
  fuzz::put_file(level + "/metadata/0.npy", parts[0]);
  fuzz::put_file(level + "/imgs/0/sample_0.png", parts[1]);
  data::PathfinderOptions o;
  o.data_dir = fuzz::scratch_dir().string();
  fuzz::expect_no_crash([&] { fuzz::probe(data::make_pathfinder_splits(o)); });
  return 0;
}
