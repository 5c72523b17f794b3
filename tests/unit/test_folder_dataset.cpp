#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "data/datasets/folder.h"
#include "data/formats/wav.h"
#include "support/helpers.h"
#include "support/jpeg_test_writer.h"
#include "support/png_test_writer.h"

using longconv::data::folder_classes;
using longconv::data::FolderOptions;
using longconv::data::make_folder_splits;
using longconv::data::Splits;
using longconv::data::Task;
using longconv::test::error_of;
using longconv::test::TempDir;
using longconv::test::write_file;

namespace fs = std::filesystem;

namespace {

FolderOptions raw(const fs::path& path) {
  FolderOptions o;
  o.path = path.string();
  o.arrays.normalize = false;
  return o;
}

// Every example of a split with its label.
std::vector<longconv::data::Example> examples(const longconv::data::Dataset& d) {
  std::vector<longconv::data::Example> out;
  for (int64_t i = 0; i < d.size(); ++i) out.push_back(d.get(i, nullptr));
  return out;
}

std::vector<uint8_t> pixels(int width, int height, int channels, int seed) {
  std::vector<uint8_t> p;
  for (int i = 0; i < width * height * channels; ++i) p.push_back(static_cast<uint8_t>((i * 37 + seed * 11) % 256));
  return p;
}

void write_wav(const std::string& path, double frequency, int64_t rate, int64_t frames) {
  std::vector<int16_t> samples;
  for (int64_t i = 0; i < frames; ++i)
    samples.push_back(static_cast<int16_t>(std::lround(12000 * std::sin(2 * M_PI * frequency * i / rate))));
  write_file(path, longconv::data::encode_wav_pcm16(samples, rate));
}

}  // namespace

TEST(FolderDataset, ImageClassesFromSubfolders) {
  TempDir dir;
  fs::create_directories(dir.path() / "cat");
  fs::create_directories(dir.path() / "dog" / "more");
  fs::create_directories(dir.path() / ".hidden");
  // A grey and an RGBA PNG and a colour JPEG: all become RGB (grey replicated, alpha dropped).
  longconv::testing_png::write_png(dir.file("cat/a.png"), 4, 3, 1, pixels(4, 3, 1, 1));
  longconv::testing_png::write_png(dir.file("dog/b.png"), 4, 3, 4, pixels(4, 3, 4, 2));
  longconv::test::write_jpeg(dir.file("dog/more/c.JPG"), 4, 3, 3, pixels(4, 3, 3, 3));
  write_file(dir.file("notes.txt"), "files beside the class folders are ignored");
  EXPECT_EQ(folder_classes(dir.path().string()), (std::vector<std::string>{"cat", "dog"}));
  FolderOptions o = raw(dir.path());
  o.arrays.split.val_split = 0;
  o.arrays.test_split = 0.34;  // one file
  const Splits s = make_folder_splits(o);
  EXPECT_EQ(s.info.task, Task::Classification);
  EXPECT_EQ(s.info.d_output, 2);
  EXPECT_EQ(s.info.d_input, 3);
  EXPECT_EQ(s.info.spatial_shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(s.train->size() + s.test->size(), 3);
  // The grey cat, exactly (PNG is lossless): its one channel in all three, pixel / 255.
  const auto grey = torch::from_blob(pixels(4, 3, 1, 1).data(), {1, 3, 4}, torch::kUInt8).to(torch::kFloat32) / 255;
  bool found_cat = false;
  for (const auto& d : {s.train, s.test})
    for (const auto& e : examples(*d))
      if (e.y.item<int64_t>() == 0) {
        found_cat = true;
        EXPECT_TRUE(e.x.equal(grey.expand({3, 3, 4})));
      }
  EXPECT_TRUE(found_cat);
}

TEST(FolderDataset, ImagesAreResizedToSizeAndFlattenedOnRequest) {
  TempDir dir;
  fs::create_directories(dir.path() / "a");
  fs::create_directories(dir.path() / "b");
  longconv::testing_png::write_png(dir.file("a/1.png"), 8, 6, 3, pixels(8, 6, 3, 1));
  longconv::testing_png::write_png(dir.file("b/2.png"), 5, 5, 3, pixels(5, 5, 3, 2));
  longconv::testing_png::write_png(dir.file("b/3.png"), 8, 6, 3, pixels(8, 6, 3, 3));
  EXPECT_NE(error_of([&] { make_folder_splits(raw(dir.path())); }).find("b/2.png: 5x5 pixels, but"), std::string::npos);
  FolderOptions o = raw(dir.path());
  o.size = {4};
  o.arrays.test_split = 0.34;
  o.arrays.split.val_split = 0;
  EXPECT_EQ(make_folder_splits(o).info.spatial_shape, (std::vector<int64_t>{4, 4}));
  o.size = {2, 3};
  o.arrays.flatten = true;
  const Splits s = make_folder_splits(o);
  EXPECT_EQ(s.info.spatial_shape, std::vector<int64_t>{6});
  EXPECT_EQ(s.info.max_length, 6);
  EXPECT_EQ(s.train->get(0, nullptr).x.sizes(), (std::vector<int64_t>{3, 6}));
}

TEST(FolderDataset, AudioIsResampledAndPadded) {
  TempDir dir;
  fs::create_directories(dir.path() / "low");
  fs::create_directories(dir.path() / "high");
  write_wav(dir.file("low/a.wav"), 200, 8000, 4000);     // 0.5 s at 8 kHz
  write_wav(dir.file("high/b.wav"), 2000, 16000, 4000);  // 0.25 s at 16 kHz
  write_wav(dir.file("high/c.wav"), 2000, 16000, 16000);
  EXPECT_NE(error_of([&] { make_folder_splits(raw(dir.path())); }).find("8000 Hz, but"), std::string::npos);
  FolderOptions o = raw(dir.path());
  o.sample_rate = 16000;
  o.arrays.test_split = 0.34;
  o.arrays.split.val_split = 0;
  const Splits s = make_folder_splits(o);
  EXPECT_EQ(s.info.d_input, 1);
  EXPECT_EQ(s.info.max_length, 16000);  // the longest clip
  std::vector<int64_t> lengths;
  for (const auto& d : {s.train, s.test})
    for (const auto& e : examples(*d)) {
      lengths.push_back(e.length);
      if (e.length == 8000) {  // the 8 kHz clip, now at 16 kHz: a 200 Hz tone of amplitude 12000 / 32768
        EXPECT_NEAR(e.x.narrow(1, 100, 7800).abs().max().item<double>(), 12000.0 / 32768, 0.01);
        EXPECT_EQ(e.x.narrow(1, 8000, 8000).abs().max().item<float>(), 0.0f);
      }
    }
  std::sort(lengths.begin(), lengths.end());
  EXPECT_EQ(lengths, (std::vector<int64_t>{4000, 8000, 16000}));
  o.length = 6000;
  const Splits cut = make_folder_splits(o);
  EXPECT_EQ(cut.info.max_length, 6000);
  for (const auto& e : examples(*cut.train)) EXPECT_LE(e.length, 6000);
}

TEST(FolderDataset, TablesAndSplitFolders) {
  TempDir dir;
  for (const char* split : {"train", "test"})
    for (const char* cls : {"up", "down"}) fs::create_directories(dir.path() / split / cls);
  write_file(dir.file("train/up/1.csv"), "a,b\n1,10\n2,20\n3,30\n");
  write_file(dir.file("train/up/2.csv"), "4,40\n5,50\n6,60\n");
  write_file(dir.file("train/down/3.tsv"), "3\t30\n2\t20\n1\t10\n");
  write_file(dir.file("train/down/4.csv"), "9,90\n8,80\n7,70\n");
  write_file(dir.file("test/up/5.csv"), "1,1\n2,2\n3,3\n");
  write_file(dir.file("test/down/6.csv"), "3,3\n2,2\n1,1\n");
  FolderOptions o = raw(dir.path());
  o.arrays.split.val_split = 0.25;
  const Splits s = make_folder_splits(o);
  EXPECT_EQ(folder_classes(dir.path().string()), (std::vector<std::string>{"down", "up"}));
  EXPECT_EQ(s.train->size(), 3);
  EXPECT_EQ(s.val->size(), 1);
  EXPECT_EQ(s.test->size(), 2);
  EXPECT_EQ(s.info.d_input, 2);  // columns are channels
  EXPECT_EQ(s.info.max_length, 3);
  const auto test = examples(*s.test);
  EXPECT_TRUE(test[0].x.equal(torch::tensor({{3.0f, 2.0f, 1.0f}, {3.0f, 2.0f, 1.0f}})));  // test/down/6.csv
  EXPECT_EQ(test[0].y.item<int64_t>(), 0);
  EXPECT_EQ(test[0].length, -1);  // nothing padded
  fs::create_directories(dir.path() / "test" / "sideways");
  write_file(dir.file("test/sideways/7.csv"), "1,1\n");
  EXPECT_NE(error_of([&] { make_folder_splits(o); }).find("sideways: class folder not among the training classes"),
            std::string::npos);
}

TEST(FolderDataset, RejectsMixedOrUnknownFiles) {
  TempDir dir;
  fs::create_directories(dir.path() / "a");
  write_file(dir.file("a/1.csv"), "1,2\n");
  write_file(dir.file("a/2.csv"), "1\n");
  EXPECT_NE(error_of([&] { make_folder_splits(raw(dir.path())); }).find("a/2.csv: 1 channels, but"), std::string::npos);
  write_file(dir.file("a/2.csv"), "3,4\n");
  write_wav(dir.file("a/3.wav"), 100, 8000, 100);
  EXPECT_NE(error_of([&] { make_folder_splits(raw(dir.path())); }).find("mixes"), std::string::npos);
  fs::remove(dir.file("a/3.wav"));
  write_file(dir.file("a/4.mp3"), "ID3");
  EXPECT_NE(error_of([&] { make_folder_splits(raw(dir.path())); }).find("a/4.mp3: not a WAV, PNG, JPEG, CSV or TSV"),
            std::string::npos);
  fs::remove(dir.file("a/4.mp3"));
  write_file(dir.file("a/5.png"), "not a png");
  fs::remove(dir.file("a/1.csv"));
  fs::remove(dir.file("a/2.csv"));
  EXPECT_NE(error_of([&] { make_folder_splits(raw(dir.path())); }).find("a/5.png: not a PNG file"), std::string::npos);
  TempDir empty;
  EXPECT_NE(error_of([&] { make_folder_splits(raw(empty.path())); }).find("no class folders"), std::string::npos);
  EXPECT_NE(error_of([&] { make_folder_splits(raw(empty.path() / "none")); }).find("no such directory"),
            std::string::npos);
}
