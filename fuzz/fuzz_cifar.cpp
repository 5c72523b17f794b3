// CIFAR-10/100 binary batches through make_cifar_splits. The first byte picks the options; the rest is written as
// every batch file of the chosen release.
#include "data/datasets/cifar.h"
#include "dataset_probe.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  const std::string_view records(reinterpret_cast<const char*>(data + 1), size - 1);
  data::CifarOptions o;
  o.data_dir = fuzz::scratch_dir().string();
  o.classes = flags & 1 ? 100 : 10;
  o.layout = flags & 2 ? data::ImageLayout::Image : data::ImageLayout::Sequence;
  o.grayscale = flags & 4;
  o.augment = flags & 8;
  o.task = flags & 16 ? data::Task::Density : data::Task::Classification;
  fuzz::clear_scratch();
  if (o.classes == 100) {
    for (const char* file : {"train.bin", "test.bin"}) fuzz::put_file(file, records);
  } else {
    for (int k = 1; k <= 5; ++k) fuzz::put_file("data_batch_" + std::to_string(k) + ".bin", records);
    fuzz::put_file("test_batch.bin", records);
  }
  fuzz::expect_no_crash([&] { fuzz::probe(data::make_cifar_splits(o)); });
  return 0;
}
