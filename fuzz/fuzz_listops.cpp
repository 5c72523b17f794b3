// ListOps TSV splits (basic_train/val/test.tsv) through make_listops_splits; the first byte picks padding and l_max.
#include "data/datasets/listops.h"
#include "dataset_probe.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const auto parts = fuzz::split_parts(data + 1, size - 1, 3);
  data::ListOpsOptions o;
  o.data_dir = fuzz::scratch_dir().string();
  o.padding = flags & 1 ? data::ListOpsPadding::Left : data::ListOpsPadding::Right;
  o.l_max = 2 + (flags >> 1);
  fuzz::clear_scratch();
  fuzz::put_file("basic_train.tsv", parts[0]);
  fuzz::put_file("basic_val.tsv", parts[1]);
  fuzz::put_file("basic_test.tsv", parts[2]);
  fuzz::expect_no_crash([&] { fuzz::probe(data::make_listops_splits(o)); });
  return 0;
}
