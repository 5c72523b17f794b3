// CSV tables (PTB-XL's ptbxl_database.csv and scp_statements.csv).
#include "data/formats/csv.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace longconv;
  fuzz::clear_scratch();
  const std::string path = fuzz::put_file("fuzz.csv", {reinterpret_cast<const char*>(data), size});
  fuzz::expect_no_crash([&] {
    const data::CsvTable table = data::read_csv(path);
    for (const auto& row : table.rows)
      if (row.size() != table.header.size()) __builtin_trap();
  });
  return 0;
}
