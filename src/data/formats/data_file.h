// Whole-file reads for dataset readers, refusing anything that is not a regular file (a FIFO would block forever).
#pragma once

#include <string>

namespace longconv::data {

// Bytes of `path`; std::runtime_error "<path>: no such file" / "not a regular file" / "cannot read: ...".
std::string read_data_file(const std::string& path);

// `dir` must be a directory: std::runtime_error "<dir>: no such directory" (for `dataset`'s data_dir) otherwise.
void require_directory(const std::string& dataset, const std::string& dir);

}  // namespace longconv::data
