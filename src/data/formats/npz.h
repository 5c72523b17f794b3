// NumPy's .npz archives (np.savez, np.savez_compressed): a ZIP of one KEY.npy member per array. np.savez stores the
// members, which are then read in place from the mapped archive; np.savez_compressed deflates them, and those are
// inflated into memory when the archive is opened.
#pragma once

#include <map>
#include <string>

#include "data/formats/stored_array.h"

namespace longconv::data {

// Arrays by key (the member name without ".npy"). std::runtime_error naming the archive and member for a member
// that is not a .npy file or fails its checks (data/formats/zip_archive.h, data/formats/npy.h).
std::map<std::string, StoredArray> read_npz(const std::string& path);

}  // namespace longconv::data
