// Test helper: LRA ListOps TSV files (basic_{train,val,test}.tsv with a Source/Target header) with fixed contents.
#pragma once

#include <fstream>
#include <string>

#include "support/helpers.h"

namespace longconv::test {

// Train: 2 and "X" thrice, "[MAX" twice, the rest once, so the vocabulary order is fixed by frequency then bytes; the
// second training line ends in \r\n. Val holds one example, test two.
inline void write_listops_splits(const std::string& dir) {
  write_file(dir + "/basic_train.tsv",
             "Source\tTarget\n"
             "( ( ( [MAX 2 ) 9 ) ] )\t9\n"
             "( ( ( ( [MIN 2 ) ( ( ( [MAX 2 ) 0 ) ] ) ) 4 ) ] )\t2\r\n"
             "7\t7\n");
  write_file(dir + "/basic_val.tsv", "Source\tTarget\n( ( ( [SM 5 ) 8 ) ] )\t3\n");
  write_file(dir + "/basic_test.tsv", "Source\tTarget\n( ( ( [MED 2 ) 9 ) ] )\t5\n( ( [MIN 3 ) ] )\t3\n");
}

}  // namespace longconv::test
