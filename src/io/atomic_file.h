// Atomic file writes: write to a temporary file beside the target, fsync, rename over it.
// A crash or an error mid-write leaves the previous file intact.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace longconv::io {

// Calls `write` with a binary stream for a temporary file in the same directory, then renames it to `path`.
// Throws std::runtime_error naming `path` if an I/O step fails; an exception from `write` propagates unchanged.
// Either way the temporary file is removed and `path` keeps its previous content.
void write_file_atomic(const std::string& path, const std::function<void(std::ostream&)>& write);
void write_file_atomic(const std::string& path, std::string_view bytes);

// Whole file as bytes; throws std::runtime_error naming the file if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace longconv::io
