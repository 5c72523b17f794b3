#include "io/safetensors.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <set>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"

// Tensor bytes are copied verbatim and the format is little-endian.
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors I/O assumes a little-endian host"
#endif

namespace longconv::io {
namespace {

struct Dtype {
  const char* name;
  torch::ScalarType type;
  uint64_t size;
};

constexpr Dtype kDtypes[] = {
    {"F64", torch::kDouble, 8}, {"F32", torch::kFloat, 4}, {"F16", torch::kHalf, 2}, {"BF16", torch::kBFloat16, 2},
    {"I64", torch::kLong, 8},   {"I32", torch::kInt, 4},   {"U8", torch::kByte, 1},  {"BOOL", torch::kBool, 1},
};

template <class Pred>
const Dtype* find_dtype(Pred pred) {
  const auto it = std::find_if(std::begin(kDtypes), std::end(kDtypes), pred);
  return it == std::end(kDtypes) ? nullptr : it;
}

constexpr const char* kMetadataKey = "__metadata__";

// A validated header entry; tensors are materialised only once the whole header checks out.
struct Entry {
  std::string name;
  const Dtype* dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

class Parser {
 public:
  Parser(std::string_view bytes, const std::string& origin) : bytes_(bytes), origin_(origin) {}

  SafetensorsLayout parse() {
    if (bytes_.size() < 8)
      throw fault(fmt::format("file too short ({} bytes): the header length alone takes 8", bytes_.size()));
    uint64_t header_size = 0;
    for (int i = 7; i >= 0; --i) header_size = header_size << 8 | static_cast<unsigned char>(bytes_[i]);
    if (header_size > bytes_.size() - 8)
      throw fault(fmt::format("header length {} runs past the end of the file ({} bytes)", header_size, bytes_.size()));

    // nlohmann keeps the last of two equal keys, so a duplicate tensor would surface as a gap in the data: the
    // parser's callback sees every top-level key (depth 1) first.
    std::set<std::string> names;
    const auto refuse_duplicates = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
      if (depth == 1 && event == nlohmann::json::parse_event_t::key && !names.insert(parsed.get<std::string>()).second)
        throw fault(fmt::format("duplicate key '{}' in the header", parsed.get<std::string>()));
      return true;
    };
    nlohmann::json header;
    try {
      header = nlohmann::json::parse(bytes_.begin() + 8, bytes_.begin() + 8 + static_cast<std::ptrdiff_t>(header_size),
                                     refuse_duplicates);
    } catch (const nlohmann::json::parse_error& e) {
      throw fault(std::string("invalid JSON header: ") + e.what());
    }
    if (!header.is_object()) throw fault("header is not a JSON object");

    const uint64_t data_size = bytes_.size() - 8 - header_size;
    SafetensorsLayout result;
    std::vector<Entry> entries;
    for (const auto& item : header.items()) {
      if (item.key() == kMetadataKey)
        result.metadata = parse_metadata(item.value());
      else
        entries.push_back(parse_entry(item.key(), item.value(), data_size));
    }
    check_coverage(entries, data_size);
    for (Entry& e : entries)
      result.tensors.emplace(
          e.name, SafetensorsEntry{e.dtype->type, std::move(e.shape), 8 + header_size + e.begin, e.end - e.begin});
    return result;
  }

 private:
  std::runtime_error fault(const std::string& what) const { return std::runtime_error(origin_ + ": " + what); }

  std::map<std::string, std::string> parse_metadata(const nlohmann::json& j) const {
    if (!j.is_object()) throw fault("\"__metadata__\" is not an object");
    std::map<std::string, std::string> metadata;
    for (const auto& item : j.items()) {
      if (!item.value().is_string())
        throw fault(fmt::format("metadata value for '{}' is not a string: {}", item.key(), item.value().dump()));
      metadata.emplace(item.key(), item.value().get<std::string>());
    }
    return metadata;
  }

  Entry parse_entry(const std::string& name, const nlohmann::json& j, uint64_t data_size) const {
    const std::string where = "tensor '" + name + "'";
    if (!j.is_object()) throw fault(where + ": entry is not an object");

    const auto dtype_it = j.find("dtype");
    if (dtype_it == j.end() || !dtype_it->is_string()) throw fault(where + ": \"dtype\" is missing or not a string");
    const std::string dtype_name = dtype_it->get<std::string>();
    const Dtype* dtype = find_dtype([&](const Dtype& d) { return dtype_name == d.name; });
    if (!dtype) throw fault(fmt::format("{}: unknown dtype '{}'", where, dtype_name));

    const auto shape_it = j.find("shape");
    if (shape_it == j.end() || !shape_it->is_array()) throw fault(where + ": \"shape\" is missing or not an array");
    std::vector<int64_t> shape;
    uint64_t numel = 1;
    for (const auto& dim : *shape_it) {
      if (dim.is_number_integer() && !dim.is_number_unsigned())
        throw fault(fmt::format("{}: negative dimension in shape {}", where, shape_it->dump()));
      if (!dim.is_number_unsigned())
        throw fault(fmt::format("{}: \"shape\" holds a non-integer: {}", where, dim.dump()));
      const uint64_t d = dim.get<uint64_t>();
      if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) || (d != 0 && numel > UINT64_MAX / d))
        throw fault(fmt::format("{}: shape {} is too large", where, shape_it->dump()));
      numel *= d;
      shape.push_back(static_cast<int64_t>(d));
    }
    if (numel > UINT64_MAX / dtype->size)
      throw fault(fmt::format("{}: shape {} is too large", where, shape_it->dump()));

    const auto off_it = j.find("data_offsets");
    if (off_it == j.end() || !off_it->is_array() || off_it->size() != 2 || !(*off_it)[0].is_number_unsigned() ||
        !(*off_it)[1].is_number_unsigned())
      throw fault(where + ": \"data_offsets\" is missing or not two non-negative integers");
    const uint64_t begin = (*off_it)[0].get<uint64_t>(), end = (*off_it)[1].get<uint64_t>();
    if (begin > end) throw fault(fmt::format("{}: data_offsets begin {} > end {}", where, begin, end));
    if (end > data_size)
      throw fault(fmt::format("{}: data_offsets [{}, {}] run past the end of the data ({} bytes)", where, begin, end,
                              data_size));
    if (end - begin != numel * dtype->size)
      throw fault(fmt::format("{}: shape [{}] of {} needs {} bytes but data_offsets [{}, {}] hold {}", where,
                              fmt::join(shape, ", "), dtype->name, numel * dtype->size, begin, end, end - begin));
    return {name, dtype, std::move(shape), begin, end};
  }

  // The format requires the tensors to tile the data buffer exactly: no overlap, no gap, no trailing bytes.
  void check_coverage(std::vector<Entry>& entries, uint64_t data_size) const {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
    uint64_t covered = 0;
    const Entry* prev = nullptr;
    for (const Entry& e : entries) {
      if (e.begin < covered)
        throw fault(fmt::format("tensors '{}' [{}, {}] and '{}' [{}, {}] overlap in the data", prev->name, prev->begin,
                                prev->end, e.name, e.begin, e.end));
      if (e.begin > covered)
        throw fault(fmt::format("gap in the data: bytes [{}, {}) belong to no tensor", covered, e.begin));
      covered = e.end;
      prev = &e;
    }
    if (covered != data_size)
      throw fault(fmt::format("{} trailing bytes after the last tensor's data", data_size - covered));
  }

  std::string_view bytes_;
  const std::string& origin_;
};

}  // namespace

SafetensorsLayout parse_safetensors_layout(std::string_view image, const std::string& origin) {
  return Parser(image, origin).parse();
}

Safetensors parse_safetensors(const std::string& bytes, const std::string& origin) {
  SafetensorsLayout layout = parse_safetensors_layout(bytes, origin);
  Safetensors result;
  result.metadata = std::move(layout.metadata);
  for (const auto& [name, e] : layout.tensors) {
    torch::Tensor t = torch::empty(e.shape, torch::TensorOptions().dtype(e.dtype));
    if (e.nbytes > 0) std::memcpy(t.data_ptr(), bytes.data() + e.offset, e.nbytes);
    result.tensors.emplace(name, std::move(t));
  }
  return result;
}

Safetensors read_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  const auto fault = [&](const std::string& what) { return std::runtime_error(path + ": " + what); };

  // Metadata first, then tensors by name; fields in the reference writer's order.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  std::vector<torch::Tensor> data;
  uint64_t offset = 0;
  for (const auto& item : tensors) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in the lambda below.
    const std::string& name = item.first;
    const torch::Tensor& tensor = item.second;
    if (name == kMetadataKey) throw fault("tensor name '__metadata__' is reserved");
    if (!tensor.defined()) throw fault("tensor '" + name + "' is undefined");
    const Dtype* dtype = find_dtype([&](const Dtype& d) { return d.type == tensor.scalar_type(); });
    if (!dtype)
      throw fault(fmt::format("tensor '{}': unsupported dtype {}", name, c10::toString(tensor.scalar_type())));
    torch::Tensor t = tensor.to(torch::kCPU).contiguous();
    const uint64_t nbytes = t.nbytes();
    nlohmann::ordered_json entry;
    entry["dtype"] = dtype->name;
    entry["shape"] = t.sizes().vec();
    entry["data_offsets"] = {offset, offset + nbytes};
    header[name] = std::move(entry);
    offset += nbytes;
    data.push_back(std::move(t));
  }

  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    throw fault(std::string("cannot encode the header: ") + e.what());
  }
  // Readers may map the data; padding keeps it 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');

  write_file_atomic(path, [&](std::ostream& out) {
    char size[8];
    for (int i = 0; i < 8; ++i) size[i] = static_cast<char>(static_cast<uint64_t>(text.size()) >> (8 * i) & 0xff);
    out.write(size, sizeof size);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const torch::Tensor& t : data)
      out.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.nbytes()));
  });
}

}  // namespace longconv::io
