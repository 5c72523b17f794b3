#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/datasets/ptbxl.h"
#include "data/formats/csv.h"
#include "data/formats/wfdb.h"
#include "support/cli.h"
#include "support/helpers.h"
#include "support/ptbxl_dir.h"
#include "support/temp_dir.h"

using namespace longconv::data;
using namespace longconv::test;

namespace {

PtbxlOptions options_for(const TempDir& d, const std::string& task, bool normalize = false) {
  PtbxlOptions o;
  o.data_dir = d.path().string();
  o.labels = *longconv::parse_enum(kPtbxlLabelNames, task);
  o.normalize = normalize;
  return o;
}

std::string error_of_splits(const PtbxlOptions& o) {
  try {
    make_ptbxl_splits(o);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(Ptbxl, PythonDictKeys) {
  EXPECT_EQ(python_dict_keys("{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}"),
            (std::vector<std::string>{"NORM", "LVOLT", "SR"}));
  EXPECT_EQ(python_dict_keys(" {} "), std::vector<std::string>{});
  EXPECT_EQ(python_dict_keys("{\"A\":1,}"), std::vector<std::string>{"A"});
  for (const char* bad : {"", "NORM", "{'NORM' 100.0}", "{'NORM': x}", "{'NORM': 1.0", "{'NORM: 1.0}", "{} x"})
    EXPECT_THROW(python_dict_keys(bad), std::invalid_argument) << bad;
}

TEST(Ptbxl, CsvQuotedFields) {
  const TempDir d;
  write_file(d.file("a.csv"), "x,y\r\n1,\"a, \"\"b\"\"\nc\"\r\n\n2,\r\n");
  const CsvTable t = read_csv(d.file("a.csv"));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0][1], "a, \"b\"\nc");
  EXPECT_EQ(t.rows[1][1], "");
  EXPECT_EQ(t.lines[1], 5);
  EXPECT_EQ(t.column("y"), 1u);
  EXPECT_NE(error_of([&] { t.column("z"); }).find("a.csv: no column 'z'"), std::string::npos);
  write_file(d.file("b.csv"), "x,y\n1,\"open\n");
  EXPECT_NE(error_of([&] { read_csv(d.file("b.csv")); }).find("b.csv:2: unterminated"), std::string::npos);
  write_file(d.file("c.csv"), "x,y\n1,2\n3\n");
  EXPECT_NE(error_of([&] { read_csv(d.file("c.csv")); }).find("c.csv:3: 1 fields, the header has 2"),
            std::string::npos);
}

TEST(Ptbxl, WfdbRecordPhysicalUnits) {
  const TempDir d;
  write_ptbxl_dir(d.path().string(), 1);
  const WfdbRecord r = read_wfdb_record(d.file(ptbxl_record_name(1)));
  EXPECT_EQ(r.n_signals, 12);
  EXPECT_EQ(r.n_samples, 1000);
  EXPECT_EQ(r.sampling_frequency, 100);
  for (int64_t lead : {0, 5, 11})
    for (int64_t t : {0, 1, 999}) EXPECT_FLOAT_EQ(r.signal[lead][t].item<float>(), ptbxl_sample(1, lead, t) / 1000.0f);
  // Gain and baseline: (digital - baseline) / gain.
  const std::string hea = d.file(ptbxl_record_name(1)) + ".hea";
  std::string text = slurp(hea);
  text.replace(text.find("1000.0(0)/mV"), 12, "500(10)/mV");
  write_file(hea, text);
  EXPECT_FLOAT_EQ(read_wfdb_record(d.file(ptbxl_record_name(1))).signal[0][7].item<float>(),
                  (ptbxl_sample(1, 0, 7) - 10) / 500.0f);
}

TEST(Ptbxl, LabelSetsAsTheReference) {
  const TempDir d;
  write_ptbxl_dir(d.path().string(), 50);
  const auto labels = [&](const std::string& task) { return ptbxl_labels(options_for(d, task)); };
  EXPECT_EQ(labels("all"), (std::vector<std::string>{"AFIB", "ASMI", "IMI", "LVH", "NDT", "NORM", "PVC", "SR"}));
  EXPECT_EQ(labels("diagnostic"), (std::vector<std::string>{"ASMI", "IMI", "LVH", "NDT", "NORM"}));
  EXPECT_EQ(labels("subdiagnostic"), (std::vector<std::string>{"AMI", "IMI", "LVH", "NORM", "STTC"}));
  EXPECT_EQ(labels("superdiagnostic"), (std::vector<std::string>{"HYP", "MI", "NORM", "STTC"}));
  EXPECT_EQ(labels("form"), (std::vector<std::string>{"NDT", "PVC"}));
  EXPECT_EQ(labels("rhythm"), (std::vector<std::string>{"AFIB", "SR"}));

  // superdiagnostic: pattern 5 (PVC, SR) has no diagnostic code, so 4 of the 5 records of each fold remain.
  const Splits s = make_ptbxl_splits(options_for(d, "superdiagnostic"));
  EXPECT_EQ(s.info.task, Task::MultiLabel);
  EXPECT_EQ(s.info.d_input, 12);
  EXPECT_EQ(s.info.d_output, 4);
  EXPECT_EQ(s.info.max_length, 1000);
  EXPECT_EQ(s.info.spatial_shape, std::vector<int64_t>{1000});
  EXPECT_EQ(s.train->size(), 32);
  ASSERT_EQ(s.val->size(), 4);               // ecg_id 41-44
  ASSERT_EQ(s.test->size(), 4);              // ecg_id 46-49
  const Example v = s.val->get(1, nullptr);  // ecg_id 42: IMI, LVH -> HYP, MI
  EXPECT_TRUE(torch::equal(v.y, torch::tensor({1.0f, 1.0f, 0.0f, 0.0f})));
  EXPECT_EQ(v.x.sizes(), (std::vector<int64_t>{12, 1000}));
  EXPECT_FLOAT_EQ(v.x[3][123].item<float>(), ptbxl_sample(42, 3, 123) / 1000.0f);
  const Example t = s.test->get(2, nullptr);  // ecg_id 48: ASMI, NDT -> MI, STTC
  EXPECT_TRUE(torch::equal(t.y, torch::tensor({0.0f, 1.0f, 0.0f, 1.0f})));
  EXPECT_FLOAT_EQ(t.x[11][999].item<float>(), ptbxl_sample(48, 11, 999) / 1000.0f);

  // rhythm drops pattern 4 (LVH alone); record 3 of a fold (ASMI, NDT, AFIB) is AFIB.
  const Splits r = make_ptbxl_splits(options_for(d, "rhythm"));
  EXPECT_EQ(r.info.d_output, 2);
  EXPECT_TRUE(torch::equal(r.train->get(2, nullptr).y, torch::tensor({1.0f, 0.0f})));
}

TEST(Ptbxl, NormalizeWithTrainingStatistics) {
  const TempDir d;
  write_ptbxl_dir(d.path().string(), 50);
  const Splits s = make_ptbxl_splits(options_for(d, "all", true));
  std::vector<torch::Tensor> xs;
  for (int64_t i = 0; i < s.train->size(); ++i) xs.push_back(s.train->get(i, nullptr).x);
  const torch::Tensor train = torch::stack(xs).to(torch::kFloat64);
  EXPECT_NEAR(train.mean().item<double>(), 0.0, 1e-5);
  EXPECT_NEAR(train.std(/*unbiased=*/false).item<double>(), 1.0, 1e-5);
  // The test split uses the training statistics: a linear map of the raw values.
  const Splits raw = make_ptbxl_splits(options_for(d, "all", false));
  const torch::Tensor a = raw.test->get(0, nullptr).x, b = s.test->get(0, nullptr).x;
  const double scale = (b[0][1] - b[0][0]).item<double>() / (a[0][1] - a[0][0]).item<double>();
  EXPECT_TRUE(torch::allclose((b - b[0][0]) / scale, a - a[0][0], 1e-4, 1e-4));
}

TEST(Ptbxl, BadFilesNameTheFileAndTheProblem) {
  const TempDir d;
  write_ptbxl_dir(d.path().string(), 50);
  const std::string record = d.file(ptbxl_record_name(7));
  const std::string dat = slurp(record + ".dat"), hea = slurp(record + ".hea");
  const auto expect_error = [&](const std::vector<std::string>& parts) {
    const std::string e = error_of_splits(options_for(d, "all"));
    for (const auto& p : parts) EXPECT_NE(e.find(p), std::string::npos) << e;
  };

  write_file(record + ".dat", dat.substr(0, dat.size() - 100));
  expect_error({record + ".dat: 23900 bytes, expected 24000"});
  write_file(record + ".dat", dat);

  write_file(record + ".hea", "00007_lr twelve 100 1000\n");
  expect_error({record + ".hea: malformed record line"});
  // Found by fuzz_wfdb: a signal count past int64 was read as INT64_MAX, then overflowed.
  write_file(record + ".hea", "00007_lr 99999999999999999999 100 1000\n");
  expect_error({record + ".hea: malformed record line"});
  write_file(record + ".hea", hea.substr(0, hea.size() / 2));
  expect_error({record + ".hea: declares 12 signals but has"});
  std::string other = hea;
  other.replace(other.find(" 16 1000.0"), 3, " 212");
  write_file(record + ".hea", other);
  expect_error({record + ".hea: signal 0 has format '212'"});
  std::filesystem::remove(record + ".hea");
  expect_error({record + ".hea: missing"});
  write_file(record + ".hea", hea);
  std::filesystem::remove(record + ".dat");
  expect_error({record + ".dat: missing"});
  write_file(record + ".dat", dat);

  const std::string db_path = d.file("ptbxl_database.csv"), db = slurp(db_path);
  std::string bad = db;
  bad.replace(bad.find("{'LVH': 100.0}"), 14, "{'LVH' 100.0}");
  write_file(db_path, bad);
  expect_error({db_path + ":", "scp_codes", "expected ':'"});
  write_file(db_path, db.substr(0, db.size() - 30));  // cut inside a quoted field or a record
  const std::string e = error_of_splits(options_for(d, "all"));
  EXPECT_NE(e.find(db_path), std::string::npos) << e;
  write_file(db_path, "ecg_id,scp_codes\n1,{}\n");
  expect_error({db_path + ": no column 'strat_fold'"});
  std::filesystem::remove(db_path);
  expect_error({db_path + ": missing"});
  write_file(db_path, db);

  write_file(d.file("scp_statements.csv"), ",description\nNORM,x\n");
  expect_error({"scp_statements.csv: no column 'diagnostic'"});
}
