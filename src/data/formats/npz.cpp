#include "data/formats/npz.h"

#include <stdexcept>

#include "data/formats/npy.h"
#include "data/formats/zip_archive.h"

namespace longconv::data {

std::map<std::string, StoredArray> read_npz(const std::string& path) {
  const ZipArchive archive = ZipArchive::open(path);
  std::map<std::string, StoredArray> arrays;
  for (const ZipArchive::Member& member : archive.members()) {
    const std::string origin = path + ": " + member.name;
    const std::string suffix = ".npy";
    if (member.name.size() <= suffix.size() ||
        member.name.compare(member.name.size() - suffix.size(), suffix.size(), suffix) != 0)
      throw std::runtime_error(origin + ": not a .npy member (np.savez writes KEY.npy)");
    ZipArchive::Bytes bytes = archive.read(member);
    arrays.emplace(member.name.substr(0, member.name.size() - suffix.size()),
                   npy_array(bytes.bytes, std::move(bytes.owner), origin));
  }
  return arrays;
}

}  // namespace longconv::data
