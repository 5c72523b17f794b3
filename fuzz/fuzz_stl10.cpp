// STL-10 binaries (train/test _X.bin images, _y.bin labels) through make_stl10_splits. The first byte picks the
// options (a small output size keeps the resize cheap); then train_X, train_y, test_X, test_y.
#include "data/datasets/stl10.h"
#include "dataset_probe.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const auto parts = fuzz::split_parts(data + 1, size - 1, 4);
  data::Stl10Options o;
  o.data_dir = fuzz::scratch_dir().string();
  o.size = 1 + (flags & 31);
  o.augment = flags & 32;
  o.layout = flags & 64 ? data::ImageLayout::Sequence : data::ImageLayout::Image;
  o.split.val_split = flags & 128 ? 0.0 : 0.5;
  fuzz::clear_scratch();
  fuzz::put_file("train_X.bin", parts[0]);
  fuzz::put_file("train_y.bin", parts[1]);
  fuzz::put_file("test_X.bin", parts[2]);
  fuzz::put_file("test_y.bin", parts[3]);
  fuzz::expect_no_crash([&] { fuzz::probe(data::make_stl10_splits(o)); });
  return 0;
}
