// Long ListOps (LRA) in its published form: listops-1000/basic_{train,val,test}.tsv, a header "Source\tTarget" then
// one expression and its value (0..9) per line, e.g. "( ( ( [MAX 2 ) 9 ) ] )\t9".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace longconv::data {

// The LRA tokenizer as the references apply it: ']' becomes 'X', parentheses are dropped, split on whitespace.
std::vector<std::string> listops_tokenize(const std::string& source);

// right: x int64 tokens [l_max] padded with <pad> on the right, with the true length (MultiresNet's masked mean
// pool); left: x float [1, l_max] token ids padded on the left, as CCNN's loader feeds them.
enum class ListOpsPadding { Right, Left };

struct ListOpsOptions {
  std::string data_dir;
  int64_t l_max = 2048;  // tokens per example including the appended <eos>; longer sources are cut
  ListOpsPadding padding = ListOpsPadding::Right;
};
extern const Constraint kListOpsLMax;  // >= 2
void validate(const ListOpsOptions& options);

// Vocabulary built from the training split as torchtext does: <pad> = 0, <unk> = 1, <eos> = 2, then the tokens by
// decreasing frequency, ties in byte order (18 entries for LRA's files). Validation and test tokens missing from
// it map to <unk>.
Splits make_listops_splits(const ListOpsOptions& options);

struct DatasetType;
DatasetType listops_dataset_type();  // dataset.name: listops

}  // namespace longconv::data
