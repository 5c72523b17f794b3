#include "data/formats/npy.h"

#include <cctype>
#include <limits>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "io/mapped_file.h"

namespace longconv::data {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// The values a .npy header holds: strings, booleans, tuples of integers.
struct Literal {
  enum Kind { String, Bool, Tuple } kind = String;
  std::string text;
  bool flag = false;
  std::vector<int64_t> items;
};

// The header's dict literal, as Python's ast.literal_eval reads the subset numpy writes.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& origin) : text_(text), origin_(origin) {}

  std::map<std::string, Literal> parse() {
    std::map<std::string, Literal> dict;
    skip();
    expect('{');
    for (;;) {
      skip();
      if (peek() == '}') break;
      if (peek() != '\'' && peek() != '"') throw fail("expected a quoted key or '}'");
      const std::string key = string();
      skip();
      expect(':');
      skip();
      if (dict.count(key)) throw fail("key '" + key + "' appears twice");
      dict[key] = value(key);
      skip();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') throw fail("expected ',' or '}'");
    }
    ++pos_;
    skip();
    if (pos_ != text_.size()) throw fail("text after the header's '}'");
    return dict;
  }

 private:
  std::runtime_error fail(const std::string& what) const {
    return std::runtime_error(
        fmt::format("{}: .npy header {} at character {}: {}", origin_, what, pos_, std::string(text_)));
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) throw fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string string() {
    const char quote = text_[pos_++];
    const size_t close = text_.find(quote, pos_);
    if (close == std::string_view::npos) throw fail("unterminated string");
    std::string s(text_.substr(pos_, close - pos_));
    if (s.find('\\') != std::string::npos) throw fail("escape sequence in a string");
    pos_ = close + 1;
    return s;
  }
  int64_t integer() {
    const size_t start = pos_;
    uint64_t v = 0;
    while (std::isdigit(static_cast<unsigned char>(peek()))) {
      const auto digit = static_cast<uint64_t>(text_[pos_] - '0');
      if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10)
        throw fail("integer too large");
      v = v * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) throw fail("expected a non-negative integer");
    if (peek() == 'L') ++pos_;  // Python 2's long suffix, as numpy still reads it
    return static_cast<int64_t>(v);
  }
  Literal value(const std::string& key) {
    Literal v;
    if (peek() == '\'' || peek() == '"') {
      v.kind = Literal::String;
      v.text = string();
    } else if (text_.substr(pos_, 4) == "True" || text_.substr(pos_, 5) == "False") {
      v.kind = Literal::Bool;
      v.flag = text_[pos_] == 'T';
      pos_ += v.flag ? 4 : 5;
    } else if (peek() == '(') {
      v.kind = Literal::Tuple;
      ++pos_;
      skip();
      while (peek() != ')') {
        v.items.push_back(integer());
        skip();
        if (peek() == ',') {
          ++pos_;
          skip();
        } else if (peek() != ')') {
          throw fail("expected ',' or ')' in a tuple");
        }
      }
      ++pos_;
    } else if (peek() == '[') {
      throw fail("'" + key + "' is a list: structured dtypes (record arrays) are not supported");
    } else {
      throw fail("'" + key + "' has a value that is not a string, True/False or a tuple of integers");
    }
    return v;
  }

  std::string_view text_;
  const std::string& origin_;
  size_t pos_ = 0;
};

uint64_t read_le(std::string_view bytes, size_t offset, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(bytes[offset + static_cast<size_t>(i)]);
  return v;
}

// The dtype a descr such as '<f4' names, and whether its byte order differs from the host's (little-endian).
std::pair<torch::ScalarType, bool> parse_descr(const std::string& descr, const std::string& origin) {
  const auto fail = [&](const std::string& why) {
    return std::runtime_error(origin + ": .npy dtype '" + descr + "' " + why);
  };
  if (descr.size() < 2) throw fail("is not a byte order and a type code ('<f4')");
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=')
    throw fail("has no byte order character ('<', '>', '|' or '=')");
  const std::string code = descr.substr(1);
  static const std::map<std::string, torch::ScalarType> types = {
      {"b1", torch::kBool},    {"i1", torch::kInt8},    {"u1", torch::kUInt8},
      {"i2", torch::kInt16},   {"i4", torch::kInt32},   {"i8", torch::kInt64},
      {"f2", torch::kFloat16}, {"f4", torch::kFloat32}, {"f8", torch::kFloat64}};
  const auto it = types.find(code);
  if (it == types.end()) {
    const char kind = code[0];
    if (kind == 'u') throw fail("is unsigned wider than a byte, which LibTorch lacks: save it as a signed type");
    if (kind == 'c') throw fail("is complex: not supported");
    if (kind == 'U' || kind == 'S' || kind == 'a') throw fail("holds strings: save numbers (labels as integers)");
    if (kind == 'O') throw fail("holds Python objects (pickled): not supported");
    if (kind == 'M' || kind == 'm') throw fail("holds dates or time deltas: not supported");
    throw fail("is not one of b1, i1, u1, i2, i4, i8, f2, f4, f8");
  }
  const bool one_byte = code.back() == '1';
  if (order == '|' && !one_byte) throw fail("has byte order '|' (not applicable) for a multi-byte type");
  return {it->second, order == '>' && !one_byte};
}

}  // namespace

NpyHeader parse_npy_header(std::string_view image, const std::string& origin) {
  const auto fail = [&](const std::string& what) { return std::runtime_error(origin + ": " + what); };
  if (image.size() < 10 || image.substr(0, kMagic.size()) != kMagic)
    throw fail("not a .npy file (no \\x93NUMPY magic)");
  NpyHeader h;
  h.major = static_cast<unsigned char>(image[6]);
  h.minor = static_cast<unsigned char>(image[7]);
  if (h.major < 1 || h.major > 3 || h.minor != 0)
    throw fail(fmt::format(".npy format version {}.{} (known: 1.0, 2.0, 3.0)", h.major, h.minor));
  const int length_bytes = h.major == 1 ? 2 : 4;
  if (image.size() < 8 + static_cast<size_t>(length_bytes)) throw fail("truncated .npy header");
  const uint64_t header_length = read_le(image, 8, length_bytes);
  h.data_offset = 8 + static_cast<size_t>(length_bytes) + header_length;
  if (header_length > image.size() || h.data_offset > image.size())
    throw fail(fmt::format(".npy header length {} runs past the end ({} bytes)", header_length, image.size()));
  const std::string_view text = image.substr(8 + static_cast<size_t>(length_bytes), header_length);
  if (text.empty() || text.back() != '\n') throw fail(".npy header does not end with a newline");
  if (h.major < 3)
    for (char c : text)
      if (static_cast<unsigned char>(c) >= 0x80)
        throw fail(fmt::format(".npy header of version {}.0 has a non-ASCII byte (3.0 allows UTF-8)", h.major));

  std::map<std::string, Literal> dict = HeaderParser(text, origin).parse();
  for (const auto& [key, value] : dict)
    if (key != "descr" && key != "fortran_order" && key != "shape")
      throw fail(".npy header has unknown key '" + key + "' (expected descr, fortran_order, shape)");
  for (const char* key : {"descr", "fortran_order", "shape"})
    if (!dict.count(key)) throw fail(std::string(".npy header lacks key '") + key + "'");
  if (dict["descr"].kind != Literal::String) throw fail(".npy header: 'descr' is not a string");
  if (dict["fortran_order"].kind != Literal::Bool) throw fail(".npy header: 'fortran_order' is not True or False");
  if (dict["shape"].kind != Literal::Tuple) throw fail(".npy header: 'shape' is not a tuple of integers");
  std::tie(h.dtype, h.swap_bytes) = parse_descr(dict["descr"].text, origin);
  h.fortran_order = dict["fortran_order"].flag;
  h.shape = dict["shape"].items;

  const auto element = static_cast<uint64_t>(c10::elementSize(h.dtype));
  uint64_t bytes = element;
  for (int64_t d : h.shape) {
    const auto du = static_cast<uint64_t>(d);
    if (du != 0 && bytes > std::numeric_limits<uint64_t>::max() / du)
      throw fail(fmt::format(".npy shape {} is too large", fmt::join(h.shape, ", ")));
    bytes *= du;
  }
  const uint64_t held = image.size() - h.data_offset;
  if (held != bytes)
    throw fail(fmt::format(".npy array of shape ({}) and dtype '{}' needs {} data bytes, the file holds {}{}",
                           fmt::join(h.shape, ", "), dict["descr"].text, bytes, held,
                           held < bytes ? " (truncated)" : ""));
  return h;
}

StoredArray npy_array(std::string_view image, std::shared_ptr<const void> owner, const std::string& origin) {
  const NpyHeader h = parse_npy_header(image, origin);
  return StoredArray(origin, std::move(owner), image.data() + h.data_offset, h.dtype, h.shape, h.fortran_order,
                     h.swap_bytes);
}

StoredArray read_npy(const std::string& path) {
  std::shared_ptr<const io::MappedFile> file = io::MappedFile::open(path);
  const std::string_view image(file->data(), file->size());
  return npy_array(image, file, path);
}

}  // namespace longconv::data
