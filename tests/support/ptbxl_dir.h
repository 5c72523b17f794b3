// Test helper: a small PTB-XL directory in the published layout (ptbxl_database.csv, scp_statements.csv,
// records100/00000/NNNNN_lr.{hea,dat}), with deterministic signals and labels.
#pragma once

#include <fmt/format.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/helpers.h"

namespace longconv::test {

// Digital sample of lead `lead` at step t of record `ecg_id` (gain 1000/mV, baseline 0).
inline int16_t ptbxl_sample(int64_t ecg_id, int64_t lead, int64_t t) {
  return static_cast<int16_t>((ecg_id * 37 + lead * 101 + t * 13) % 2001 - 1000);
}

// scp_codes of record `ecg_id` (1-based): cycles through five patterns (the fourth has no rhythm code, the fifth no
// diagnostic one).
inline std::string ptbxl_codes(int64_t ecg_id) {
  static const char* patterns[] = {"{'NORM': 100.0, 'SR': 0.0}", "{'IMI': 50.0, 'LVH': 100.0, 'SR': 0.0}",
                                   "{'ASMI': 100.0, 'NDT': 80.0, 'AFIB': 0.0}", "{'LVH': 100.0}",
                                   "{'PVC': 100.0, 'SR': 0.0}"};
  return patterns[(ecg_id - 1) % 5];
}

// Records 1-5 are in fold 1, 6-10 in fold 2, ..., 46-50 in fold 10 (so every fold has every pattern).
inline int64_t ptbxl_fold(int64_t ecg_id) { return 1 + ((ecg_id - 1) / 5) % 10; }

inline std::string ptbxl_record_name(int64_t ecg_id) { return fmt::format("records100/00000/{:05d}_lr", ecg_id); }

inline void write_ptbxl_dir(const std::string& dir, int64_t n_records) {
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/records100/00000");
  std::ofstream(dir + "/scp_statements.csv")
      << ",description,diagnostic,form,rhythm,diagnostic_class,diagnostic_subclass,Statement Category\n"
         "NORM,normal ECG,1.0,,,NORM,NORM,\"Diagnostic, normal\"\n"
         "IMI,inferior myocardial infarction,1.0,,,MI,IMI,Myocardial Infarction\n"
         "ASMI,anteroseptal myocardial infarction,1.0,,,MI,AMI,Myocardial Infarction\n"
         "LVH,left ventricular hypertrophy,1.0,,,HYP,LVH,Hypertrophy\n"
         "NDT,non-diagnostic T abnormalities,1.0,1.0,,STTC,STTC,\"Basic, ST\"\n"
         "PVC,ventricular premature complex,,1.0,,,,Other\n"
         "SR,sinus rhythm,,,1.0,,,Rhythm\n"
         "AFIB,atrial fibrillation,,,1.0,,,Rhythm\n";
  std::ofstream db(dir + "/ptbxl_database.csv");
  db << "ecg_id,patient_id,report,scp_codes,strat_fold,filename_lr,filename_hr\n";
  for (int64_t id = 1; id <= n_records; ++id) {
    const std::string name = ptbxl_record_name(id);
    // The report holds a comma, a quote and a newline, as free text in the real file can.
    db << id << "," << 1000 + id << ".0,\"sinus rhythm, \"\"normal\"\"\nECG\",\"" << ptbxl_codes(id) << "\","
       << ptbxl_fold(id) << "," << name << "," << fmt::format("records500/00000/{:05d}_hr", id) << "\n";
    std::ofstream hea(dir + "/" + name + ".hea");
    hea << fmt::format("{:05d}_lr 12 100 1000\n", id);
    static const char* leads[] = {"I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6"};
    for (int lead = 0; lead < 12; ++lead)
      hea << fmt::format("{:05d}_lr.dat 16 1000.0(0)/mV 16 0 {} 0 0 {}\n", id, ptbxl_sample(id, lead, 0), leads[lead]);
    hea << "# a comment line\n";
    std::string bytes;
    for (int64_t t = 0; t < 1000; ++t)
      for (int lead = 0; lead < 12; ++lead) {
        const auto v = static_cast<uint16_t>(ptbxl_sample(id, lead, t));
        bytes.push_back(static_cast<char>(v & 0xff));
        bytes.push_back(static_cast<char>(v >> 8));
      }
    write_file(dir + "/" + name + ".dat", bytes);
  }
}

}  // namespace longconv::test
