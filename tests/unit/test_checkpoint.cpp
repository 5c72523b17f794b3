#include <gtest/gtest.h>

#include "io/atomic_file.h"
#include "io/zip_records.h"
#include "support/helpers.h"
#include "support/temp_dir.h"
#include "train/checkpoint.h"

using namespace longconv;
using longconv::test::error_of;

namespace {

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    linear = register_module("linear", torch::nn::Linear(3, 2));
    norm = register_module("norm", torch::nn::BatchNorm1d(2));
  }
  torch::Tensor forward(const torch::Tensor& x) { return norm(linear(x)); }
  torch::nn::Linear linear{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
};
TORCH_MODULE(Tiny);

// A cosine schedule of 10 steps.
train::LrSchedule a_schedule() { return train::LrSchedule(train::ScheduleOptions(), 0.01, 10, 1); }

// A model after one AdamW step, its optimizer and a schedule 1 step in.
struct Trained {
  Tiny model;
  torch::optim::AdamW optimizer{model->parameters(), torch::optim::AdamWOptions(0.1)};
  train::LrSchedule schedule = a_schedule();
  Trained() {
    model->forward(torch::randn({4, 3})).pow(2).sum().backward();
    optimizer.step();
    schedule.step();
  }
};

}  // namespace

TEST(Checkpoint, RoundTripRestoresModelOptimizerScheduleAndRng) {
  test::TempDir dir;
  torch::manual_seed(1);
  Trained a;
  train::CheckpointInfo info;
  info.epoch = 3;
  info.best_epoch = 2;
  info.best_val_metric = 81.5;
  info.best_test_metric = 80.25;
  info.config_yaml = "seed: 1\n";
  info.metrics_json = R"({"epoch":3})";
  const std::string path = dir.file("last.ckpt");
  io::write_file_atomic(path, train::encode_checkpoint(*a.model, a.optimizer, a.schedule, info));
  const auto expected_draw = torch::rand({5});

  torch::manual_seed(2);
  Tiny model;
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(0.1));
  train::LrSchedule schedule = a_schedule();
  const auto loaded = train::load_checkpoint(path, *model, &optimizer, &schedule, /*restore_rng=*/true);

  EXPECT_TRUE(torch::equal(torch::rand({5}), expected_draw));
  EXPECT_EQ(loaded.epoch, 3);
  EXPECT_EQ(loaded.best_epoch, 2);
  EXPECT_EQ(loaded.best_val_metric, 81.5);
  EXPECT_EQ(loaded.best_test_metric, 80.25);
  EXPECT_EQ(loaded.config_yaml, info.config_yaml);
  EXPECT_EQ(loaded.metrics_json, info.metrics_json);
  EXPECT_EQ(schedule.step_count(), 1);
  EXPECT_TRUE(torch::equal(model->linear->weight, a.model->linear->weight));
  EXPECT_TRUE(torch::equal(model->norm->running_mean, a.model->norm->running_mean));
  EXPECT_EQ(model->norm->num_batches_tracked.item<int64_t>(), 1);

  // One more identical step on both keeps them identical: the Adam moments came back too.
  const auto x = torch::randn({4, 3});
  a.optimizer.zero_grad();
  a.model->forward(x).pow(2).sum().backward();
  a.optimizer.step();
  model->forward(x).pow(2).sum().backward();
  optimizer.step();
  EXPECT_TRUE(torch::equal(model->linear->weight, a.model->linear->weight));
}

TEST(Checkpoint, TruncatedFileIsAnErrorNamingIt) {
  test::TempDir dir;
  Trained a;
  const std::string bytes = train::encode_checkpoint(*a.model, a.optimizer, a.schedule, {});
  const std::string path = dir.file("cut.ckpt");
  io::write_file_atomic(path, std::string_view(bytes).substr(0, bytes.size() / 2));
  Tiny model;
  const std::string message = error_of([&] { train::load_checkpoint(path, *model); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("truncated or corrupt"), std::string::npos) << message;
}

TEST(Checkpoint, GarbageAndMissingFilesAreErrorsNamingThem) {
  test::TempDir dir;
  const std::string garbage = dir.file("garbage.ckpt");
  io::write_file_atomic(garbage, std::string_view("not a checkpoint at all"));
  Tiny model;
  EXPECT_NE(error_of([&] { train::load_checkpoint(garbage, *model); }).find(garbage), std::string::npos);
  const std::string missing = dir.file("missing.ckpt");
  EXPECT_NE(error_of([&] { train::load_checkpoint(missing, *model); }).find(missing), std::string::npos);
}

TEST(Checkpoint, ModelMismatchListsTheKeys) {
  test::TempDir dir;
  Trained a;
  const std::string path = dir.file("last.ckpt");
  io::write_file_atomic(path, train::encode_checkpoint(*a.model, a.optimizer, a.schedule, {}));
  torch::nn::Sequential other(torch::nn::Linear(3, 2));
  const std::string message = error_of([&] { train::load_checkpoint(path, *other); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("linear.weight"), std::string::npos) << message;
  EXPECT_NE(message.find("0.weight"), std::string::npos) << message;
}

namespace {

// The checkpoint bytes with `tensor`'s data (found by its byte image) overwritten by `junk` from its first byte on.
std::string with_tensor_bytes_overwritten(const std::string& bytes, const torch::Tensor& tensor,
                                          const std::string& junk) {
  const torch::Tensor t = tensor.detach().contiguous();
  const std::string image(static_cast<const char*>(t.data_ptr()), t.nbytes());
  const size_t at = bytes.find(image);
  EXPECT_NE(at, std::string::npos) << "tensor bytes not found in the checkpoint";
  EXPECT_EQ(bytes.find(image, at + 1), std::string::npos) << "tensor bytes found twice";
  std::string out = bytes;
  out.replace(at, junk.size(), junk);
  return out;
}

}  // namespace

// LibTorch's reader ignores the archive's CRC-32s: overwritten weights loaded and `eval` reported a NaN loss.
TEST(Checkpoint, OverwrittenModelBytesAreAnErrorNamingTheRecord) {
  test::TempDir dir;
  Trained a;
  const std::string bytes = train::encode_checkpoint(*a.model, a.optimizer, a.schedule, {});
  const std::string path = dir.file("last.ckpt");
  io::write_file_atomic(path, with_tensor_bytes_overwritten(bytes, a.model->linear->weight, std::string(24, '\xff')));
  Tiny model;
  for (const auto& load : std::vector<std::function<void()>>{[&] { train::load_checkpoint(path, *model); },
                                                             [&] { train::verify_checkpoint(path); }}) {
    const std::string message = error_of(load);
    EXPECT_EQ(message.rfind(path + ": record '", 0), 0u) << message;
    EXPECT_NE(message.find("/data/"), std::string::npos) << message;
    EXPECT_NE(message.find("fails its CRC-32 check"), std::string::npos) << message;
  }
}

// Two flipped bytes in an Adam moment let --resume continue silently with other numbers: every record (model,
// optimizer and schedule tensors, the pickles, the format version) is now checked.
TEST(Checkpoint, FlippedBytesInAnyRecordAreAnErrorNamingIt) {
  test::TempDir dir;
  Trained a;
  const std::string bytes = train::encode_checkpoint(*a.model, a.optimizer, a.schedule, {});
  const std::string path = dir.file("last.ckpt");
  const auto records = io::zip_records(bytes, path);
  ASSERT_GT(records.size(), 10u);
  for (const io::ZipRecord& record : records) {
    if (record.size == 0) continue;
    std::string flipped = bytes;
    flipped[record.data_offset] = static_cast<char>(flipped[record.data_offset] ^ 0x40);
    flipped[record.data_offset + record.size - 1] =
        static_cast<char>(flipped[record.data_offset + record.size - 1] ^ 1);
    io::write_file_atomic(path, flipped);
    Tiny model;
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(0.1));
    train::LrSchedule schedule = a_schedule();
    const std::string message = error_of([&] { train::load_checkpoint(path, *model, &optimizer, &schedule, true); });
    EXPECT_EQ(message.rfind(path + ": record '" + record.name + "'", 0), 0u) << message;
  }
}

TEST(Checkpoint, VerifyReturnsTheInfoOfAGoodFile) {
  test::TempDir dir;
  Trained a;
  train::CheckpointInfo info;
  info.epoch = 4;
  info.best_epoch = 3;
  const std::string path = dir.file("last.ckpt");
  io::write_file_atomic(path, train::encode_checkpoint(*a.model, a.optimizer, a.schedule, info));
  const train::CheckpointInfo verified = train::verify_checkpoint(path);
  EXPECT_EQ(verified.epoch, 4);
  EXPECT_EQ(verified.best_epoch, 3);
}

TEST(Checkpoint, InfoReadsWithoutAModel) {
  test::TempDir dir;
  Trained a;
  train::CheckpointInfo info;
  info.epoch = 4;
  info.best_epoch = 3;
  info.config_yaml = "seed: 7\n";
  const std::string path = dir.file("best.ckpt");
  io::write_file_atomic(path, train::encode_checkpoint(*a.model, a.optimizer, a.schedule, info));
  const auto read = train::read_checkpoint_info(path);
  EXPECT_EQ(read.epoch, 4);
  EXPECT_EQ(read.best_epoch, 3);
  EXPECT_EQ(read.config_yaml, "seed: 7\n");
  const std::string garbage = dir.file("garbage.ckpt");
  io::write_file_atomic(garbage, std::string_view("nope"));
  EXPECT_NE(error_of([&] { train::read_checkpoint_info(garbage); }).find(garbage), std::string::npos);
}
