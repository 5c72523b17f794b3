// PTB-XL (Wagner et al. 2020) in its published layout: DATA_DIR/ptbxl_database.csv, DATA_DIR/scp_statements.csv and
// the 100 Hz WFDB records DATA_DIR/records100/NNNNN/NNNNN_lr.{hea,dat} (12 leads x 1000 samples). Labels and folds
// follow the MultiresConv reference (dataloaders/ptbxl.py, after ecg_ptbxl_benchmarking).
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "util/enum_names.h"

namespace longconv::data {

// The label set: all: every SCP code; diagnostic: diagnostic codes; subdiagnostic / superdiagnostic: their
// diagnostic_subclass / diagnostic_class; form, rhythm: form / rhythm codes.
enum class PtbxlLabels { All, Diagnostic, Subdiagnostic, Superdiagnostic, Form, Rhythm };
extern const EnumNames<PtbxlLabels> kPtbxlLabelNames;

struct PtbxlOptions {
  std::string data_dir;
  PtbxlLabels labels = PtbxlLabels::Superdiagnostic;
  bool normalize = true;  // standardise with one mean and std over all training values (StandardScaler)
};

// Multi-label splits: x [12, 1000] float, y [labels] float 0/1. Records without a label of the task are left out;
// labels are those of the remaining records, sorted (MultiLabelBinarizer). Folds: 1-8 train, 9 validation, 10 test.
Splits make_ptbxl_splits(const PtbxlOptions& options);

struct DatasetType;
DatasetType ptbxl_dataset_type();  // dataset.name: ptbxl

// The label names of a task in output order (the same as make_ptbxl_splits uses).
std::vector<std::string> ptbxl_labels(const PtbxlOptions& options);

// Keys of a Python dict literal such as scp_codes' "{'NORM': 100.0, 'SR': 0.0}", in order. std::invalid_argument
// saying what is wrong when it is not a flat dict of string keys and numbers.
std::vector<std::string> python_dict_keys(const std::string& literal);

}  // namespace longconv::data
