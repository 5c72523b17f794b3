#include <gtest/gtest.h>

#include "data/datasets/speech_commands.h"
#include "data/formats/wav.h"
#include "data/mfcc.h"
#include "support/helpers.h"
#include "support/speech_dir.h"
#include "support/temp_dir.h"

using namespace longconv::data;
using longconv::test::speech_sample;
using longconv::test::TempDir;
using longconv::test::write_file;
using longconv::test::write_speech_dir;

namespace {

SpeechCommandsOptions options_for(const TempDir& d) {
  SpeechCommandsOptions o;
  o.data_dir = d.path().string();
  o.normalize = false;
  return o;
}

std::string splits_error_of(const SpeechCommandsOptions& o) {
  try {
    make_speech_commands_splits(o);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

std::vector<int16_t> tone(int64_t n) {
  std::vector<int16_t> pcm(static_cast<size_t>(n));
  for (int64_t t = 0; t < n; ++t) pcm[t] = speech_sample(0, 9, t);
  return pcm;
}

}  // namespace

TEST(Wav, RoundTripAndTruncation) {
  const TempDir d;
  const std::vector<int16_t> pcm = {0, 1, -1, 32767, -32768, 1234};
  const std::string bytes = encode_wav_pcm16(pcm, 16000);
  write_file(d.file("a.wav"), bytes);
  const Wav wav = read_wav(d.file("a.wav"));
  EXPECT_EQ(wav.sample_rate, 16000);
  EXPECT_EQ(wav.channels, 1);
  EXPECT_EQ(wav.samples, pcm);
  write_file(d.file("cut.wav"), bytes.substr(0, bytes.size() - 4));
  const std::string cut = longconv::test::error_of([&] { read_wav(d.file("cut.wav")); });
  EXPECT_NE(cut.find("cut.wav: truncated"), std::string::npos) << cut;
  write_file(d.file("hdr.wav"), bytes.substr(0, 30));
  EXPECT_NE(longconv::test::error_of([&] { read_wav(d.file("hdr.wav")); }).find("hdr.wav: cannot read"),
            std::string::npos);
  EXPECT_NE(longconv::test::error_of([&] { read_wav(d.file("none.wav")); }).find("none.wav"), std::string::npos);
}

TEST(SpeechCommands, SplitsLabelsAndRawValues) {
  const TempDir d;
  write_speech_dir(d.path().string(), 10, 4);
  // A short clip: dropped by the 10-class task.
  write_file(d.file("yes/short_nohash_0.wav"), encode_wav_pcm16(tone(8000), 16000));
  const Splits s = make_speech_commands_splits(options_for(d));
  EXPECT_EQ(s.train->size(), 20);
  EXPECT_EQ(s.val->size(), 10);
  EXPECT_EQ(s.test->size(), 10);
  EXPECT_EQ(s.info.task, Task::Classification);
  EXPECT_EQ(s.info.d_input, 1);
  EXPECT_EQ(s.info.d_output, 10);
  EXPECT_EQ(s.info.max_length, 16000);
  EXPECT_EQ(s.info.spatial_shape, std::vector<int64_t>{16000});
  // Training clips in word order, then file order: train example 3 is word 1 ("no"), clip 3.
  const Example e = s.train->get(3, nullptr);
  ASSERT_EQ(e.x.sizes(), (std::vector<int64_t>{1, 16000}));
  EXPECT_EQ(e.y.item<int64_t>(), 1);
  for (int64_t t : {0, 1, 777, 15999}) EXPECT_FLOAT_EQ(e.x[0][t].item<float>(), speech_sample(1, 3, t) / 32768.0f);
  EXPECT_EQ(s.test->get(9, nullptr).y.item<int64_t>(), 9);
  EXPECT_FLOAT_EQ(s.val->get(2, nullptr).x[0][5].item<float>(), speech_sample(2, 0, 5) / 32768.0f);
}

TEST(SpeechCommands, NormalizeHalfRateTestAndMfcc) {
  const TempDir d;
  write_speech_dir(d.path().string(), 10, 3);
  SpeechCommandsOptions o = options_for(d);
  o.normalize = true;
  o.test_rate_factor = 2;
  const Splits s = make_speech_commands_splits(o);
  std::vector<torch::Tensor> xs;
  for (int64_t i = 0; i < s.train->size(); ++i) xs.push_back(s.train->get(i, nullptr).x);
  const torch::Tensor train = torch::stack(xs);
  EXPECT_NEAR(train.mean().item<double>(), 0.0, 1e-4);
  EXPECT_NEAR(train.std().item<double>(), 1.0, 1e-3);
  const torch::Tensor half = s.test->get(4, nullptr).x;
  ASSERT_EQ(half.sizes(), (std::vector<int64_t>{1, 8000}));
  o.test_rate_factor = 1;
  const torch::Tensor full = make_speech_commands_splits(o).test->get(4, nullptr).x;
  EXPECT_TRUE(torch::equal(half[0], full[0].slice(0, 0, 16000, 2)));

  o.features = SpeechFeatures::Mfcc;
  o.normalize = false;
  const Splits m = make_speech_commands_splits(o);
  EXPECT_EQ(m.info.d_input, 20);
  EXPECT_EQ(m.info.max_length, 161);
  torch::Tensor pcm = torch::empty({16000});
  for (int64_t t = 0; t < 16000; ++t) pcm[t] = speech_sample(4, 1, t) / 32768.0;
  EXPECT_TRUE(torch::allclose(m.test->get(4, nullptr).x, Mfcc()(pcm), 1e-5, 1e-4));
}

TEST(SpeechCommands, ThirtyFiveClassesPadShortClips) {
  const TempDir d;
  write_speech_dir(d.path().string(), 35, 3);
  write_file(d.file("zero/short_nohash_0.wav"), encode_wav_pcm16(tone(8000), 16000));
  SpeechCommandsOptions o = options_for(d);
  o.classes = 35;
  const Splits s = make_speech_commands_splits(o);
  EXPECT_EQ(s.info.d_output, 35);
  ASSERT_EQ(s.train->size(), 36);
  const Example last = s.train->get(35, nullptr);  // "zero" is label 34; "short" sorts after "clip2"
  EXPECT_EQ(last.y.item<int64_t>(), 34);
  EXPECT_FLOAT_EQ(last.x[0][7999].item<float>(), speech_sample(0, 9, 7999) / 32768.0f);
  EXPECT_EQ(last.x[0][8000].item<float>(), 0.0f);
}

TEST(SpeechCommands, BadFilesNameTheFile) {
  const TempDir d;
  write_speech_dir(d.path().string(), 10, 3);
  const std::string good = encode_wav_pcm16(tone(16000), 16000);
  write_file(d.file("up/bad_nohash_0.wav"), good.substr(0, good.size() / 2));
  std::string e = splits_error_of(options_for(d));
  EXPECT_NE(e.find("up/bad_nohash_0.wav: truncated"), std::string::npos) << e;
  const char junk[] = "RIFF\x10\0\0\0WAVEjunkjunkjunk";
  write_file(d.file("up/bad_nohash_0.wav"), std::string(junk, sizeof junk - 1));
  e = splits_error_of(options_for(d));
  EXPECT_NE(e.find("up/bad_nohash_0.wav: cannot read as audio"), std::string::npos) << e;
  write_file(d.file("up/bad_nohash_0.wav"), encode_wav_pcm16(tone(8000), 8000));
  e = splits_error_of(options_for(d));
  EXPECT_NE(e.find("up/bad_nohash_0.wav: expected 16000 Hz mono, got 8000 Hz"), std::string::npos) << e;
  std::filesystem::remove(d.file("up/bad_nohash_0.wav"));

  std::filesystem::remove_all(d.file("stop"));
  e = splits_error_of(options_for(d));
  EXPECT_NE(e.find(d.file("stop") + ": missing"), std::string::npos) << e;
  std::filesystem::remove(d.file("testing_list.txt"));
  e = splits_error_of(options_for(d));
  EXPECT_NE(e.find("testing_list.txt: missing"), std::string::npos) << e;

  SpeechCommandsOptions o = options_for(d);
  o.classes = 12;
  EXPECT_NE(splits_error_of(o).find("classes: expected one of 10, 35, got 12"), std::string::npos);
  o = options_for(d);
  o.data_dir += "/nowhere";
  EXPECT_NE(splits_error_of(o).find("no such directory"), std::string::npos);
}
