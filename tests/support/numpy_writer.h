// .npy and .npz files byte for byte as NumPy 1.24 writes them (numpy.lib.format.write_array; np.savez and
// np.savez_compressed through CPython's zipfile), so the readers are tested on the real formats without NumPy.
// test_npy.cpp checks these bytes against files NumPy wrote.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace longconv::test {

// numpy's dtype.str of a tensor's type in the given byte order ('|' for one-byte types).
inline std::string npy_descr(torch::ScalarType type, bool big_endian) {
  const char order = big_endian ? '>' : '<';
  switch (type) {
    case torch::kBool:
      return "|b1";
    case torch::kUInt8:
      return "|u1";
    case torch::kInt8:
      return "|i1";
    case torch::kInt16:
      return std::string(1, order) + "i2";
    case torch::kInt32:
      return std::string(1, order) + "i4";
    case torch::kInt64:
      return std::string(1, order) + "i8";
    case torch::kFloat16:
      return std::string(1, order) + "f2";
    case torch::kFloat32:
      return std::string(1, order) + "f4";
    case torch::kFloat64:
      return std::string(1, order) + "f8";
    default:
      throw std::invalid_argument("npy_descr: no numpy dtype for this tensor type");
  }
}

// Python's repr of a shape tuple: "()", "(3,)", "(2, 3)".
inline std::string python_tuple(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// write_array's header: the dict repr with sorted keys, room for the growth axis to reach 21 digits, padded with
// spaces so that the data starts at a multiple of 64, ended by a newline; version 1.0 unless the length needs 2.0.
inline std::string npy_header(const std::string& descr, bool fortran_order, const std::vector<int64_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran_order ? "True" : "False") +
                     ", 'shape': " + python_tuple(shape) + ", }";
  if (!shape.empty()) dict += std::string(21 - std::to_string(fortran_order ? shape.back() : shape[0]).size(), ' ');
  const size_t hlen = dict.size() + 1;
  const bool v1 = hlen + 64 <= 65535;
  const size_t prefix = 8 + (v1 ? 2 : 4);
  const size_t padlen = 64 - (prefix + hlen) % 64;
  const size_t length = hlen + padlen;
  std::string out = std::string("\x93NUMPY", 6) + (v1 ? std::string("\x01\x00", 2) : std::string("\x02\x00", 2));
  for (size_t i = 0; i < (v1 ? 2u : 4u); ++i) out.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  return out + dict + std::string(padlen, ' ') + "\n";
}

// np.save(f, array) of a tensor, as the array in the given byte order and memory order (np.asfortranarray).
inline std::string npy_bytes(const torch::Tensor& tensor, bool big_endian = false, bool fortran_order = false) {
  torch::Tensor t = tensor.contiguous();
  if (fortran_order && t.dim() > 1) {
    std::vector<int64_t> reversed;
    for (int64_t d = t.dim() - 1; d >= 0; --d) reversed.push_back(d);
    t = t.permute(reversed).contiguous();
  }
  std::string data(static_cast<const char*>(t.data_ptr()), t.nbytes());
  const size_t element = t.element_size();
  if (big_endian)
    for (size_t i = 0; i < data.size(); i += element) std::reverse(data.begin() + i, data.begin() + i + element);
  return npy_header(npy_descr(tensor.scalar_type(), big_endian), fortran_order && t.dim() > 1, tensor.sizes().vec()) +
         data;
}

namespace zip_detail {
inline void put(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}
}  // namespace zip_detail

// np.savez (stored) / np.savez_compressed (deflated, zlib level 6) of (name, .npy bytes) members: zipfile.ZipFile
// with ZipInfo's defaults (1980-01-01, made on Unix, mode 0600) and force_zip64=True, which adds a ZIP64 extra field
// with the real sizes to each local header only. `zip64_directory` writes the central directory as zipfile does
// past 4 GiB: sizes and offsets 0xffffffff with a ZIP64 extra field, and the ZIP64 end record and locator.
inline std::string npz_bytes(const std::vector<std::pair<std::string, std::string>>& members, bool compressed,
                             bool zip64_directory = false) {
  using zip_detail::put;
  std::string out, directory;
  for (const auto& member : members) {
    const std::string& name = member.first;  // not a structured binding: the lambda below captures it
    const std::string& npy = member.second;
    std::string data = npy;
    if (compressed) {
      z_stream s{};
      deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      data.assign(deflateBound(&s, npy.size()), '\0');
      s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(npy.data()));
      s.avail_in = static_cast<uInt>(npy.size());
      s.next_out = reinterpret_cast<Bytef*>(data.data());
      s.avail_out = static_cast<uInt>(data.size());
      deflate(&s, Z_FINISH);
      data.resize(s.total_out);
      deflateEnd(&s);
    }
    const uint32_t crc =
        static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(npy.data()), static_cast<uInt>(npy.size())));
    const uint64_t offset = out.size();
    const auto header = [&](std::string& h, bool central) {
      put(h, central ? 0x02014b50 : 0x04034b50, 4);
      if (central) put(h, 0x0314, 2);  // made by: Unix, 2.0
      put(h, 20, 2);                   // needed: 2.0
      put(h, 0, 2);                    // flags
      put(h, compressed ? 8 : 0, 2);
      put(h, 0, 2);       // time 00:00:00
      put(h, 0x0021, 2);  // date 1980-01-01
      put(h, crc, 4);
      const bool wide = central && zip64_directory;
      put(h, wide ? 0xffffffff : data.size(), 4);
      put(h, wide ? 0xffffffff : npy.size(), 4);
      put(h, name.size(), 2);
      put(h, central ? (wide ? 28 : 0) : 20, 2);  // extra field length
      if (central) {
        put(h, 0, 2);           // comment length
        put(h, 0, 2);           // disk
        put(h, 0, 2);           // internal attributes
        put(h, 0x01800000, 4);  // external attributes: mode 0600
        put(h, wide ? 0xffffffff : offset, 4);
      }
      h += name;
      if (wide) {
        put(h, 1, 2);
        put(h, 24, 2);
        put(h, npy.size(), 8);
        put(h, data.size(), 8);
        put(h, offset, 8);
      }
      if (!central) {
        put(h, 1, 2);  // ZIP64 extra field
        put(h, 16, 2);
        put(h, npy.size(), 8);
        put(h, data.size(), 8);
      }
    };
    header(out, false);
    out += data;
    header(directory, true);
  }
  const uint64_t directory_offset = out.size();
  out += directory;
  if (zip64_directory) {
    const uint64_t record = out.size();
    put(out, 0x06064b50, 4);
    put(out, 44, 8);  // size of the rest of the record
    put(out, 45, 2);  // made by
    put(out, 45, 2);  // needed
    put(out, 0, 4);   // disk
    put(out, 0, 4);   // disk of the directory
    put(out, members.size(), 8);
    put(out, members.size(), 8);
    put(out, directory.size(), 8);
    put(out, directory_offset, 8);
    put(out, 0x07064b50, 4);  // locator
    put(out, 0, 4);
    put(out, record, 8);
    put(out, 1, 4);  // disks
  }
  put(out, 0x06054b50, 4);
  put(out, 0, 4);  // disks
  put(out, zip64_directory ? 0xffff : members.size(), 2);
  put(out, zip64_directory ? 0xffff : members.size(), 2);
  put(out, zip64_directory ? 0xffffffff : directory.size(), 4);
  put(out, zip64_directory ? 0xffffffff : directory_offset, 4);
  put(out, 0, 2);  // comment length
  return out;
}

}  // namespace longconv::test
