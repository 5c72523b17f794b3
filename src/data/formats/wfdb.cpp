#include "data/formats/wfdb.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "io/atomic_file.h"

namespace longconv::data {

namespace {

namespace fs = std::filesystem;

// Lines of the header without comments ('#') and blank lines.
std::vector<std::string> header_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos || line[line.find_first_not_of(" \t")] == '#') continue;
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> fields_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> fields;
  std::string f;
  while (in >> f) fields.push_back(f);
  return fields;
}

// Leading number of `s` (strtod / strtoll semantics); false when `s` does not start with one or has junk after it
// that is not one of `allowed_after`.
bool leading_double(const std::string& s, double& value, const std::string& allowed_after, size_t* used = nullptr) {
  char* end = nullptr;
  value = std::strtod(s.c_str(), &end);
  const auto n = static_cast<size_t>(end - s.c_str());
  if (n == 0 || (n < s.size() && allowed_after.find(s[n]) == std::string::npos)) return false;
  if (used) *used = n;
  return true;
}

// Out of range is malformed: strtoll's saturated value made "1 + n_signals" overflow (UBSan, fuzz_wfdb).
bool whole_int(const std::string& s, int64_t& value) {
  char* end = nullptr;
  errno = 0;
  value = std::strtoll(s.c_str(), &end, 10);
  return !s.empty() && *end == '\0' && errno != ERANGE;
}

}  // namespace

WfdbRecord read_wfdb_record(const std::string& record) {
  const std::string header_path = record + ".hea";
  std::error_code ec;
  if (!fs::is_regular_file(header_path, ec)) throw std::runtime_error(header_path + ": missing");
  const std::vector<std::string> lines = header_lines(io::read_file(header_path));
  const auto bad = [&](const std::string& what) { return std::runtime_error(header_path + ": " + what); };
  if (lines.empty()) throw bad("empty header");

  // Record line: name n_signals [fs[/counter][(base)] [n_samples ...]]
  const std::vector<std::string> head = fields_of(lines[0]);
  WfdbRecord r;
  if (head.size() < 4 || !whole_int(head[1], r.n_signals) || r.n_signals < 1 ||
      !leading_double(head[2], r.sampling_frequency, "/(") || !(r.sampling_frequency > 0) ||
      !whole_int(head[3], r.n_samples) || r.n_samples < 1)
    throw bad("malformed record line '" + lines[0] + "' (expected: name signals frequency samples)");
  if (static_cast<int64_t>(lines.size()) < 1 + r.n_signals)
    throw bad("declares " + std::to_string(r.n_signals) + " signals but has " + std::to_string(lines.size() - 1) +
              " signal lines");

  std::string data_file;
  std::vector<double> gain(static_cast<size_t>(r.n_signals)), baseline(static_cast<size_t>(r.n_signals));
  for (int64_t s = 0; s < r.n_signals; ++s) {
    const std::string& line = lines[1 + s];
    const std::vector<std::string> f = fields_of(line);
    if (f.size() < 2) throw bad("malformed signal line '" + line + "'");
    if (f[1] != "16") throw bad("signal " + std::to_string(s) + " has format '" + f[1] + "'; only format 16 is read");
    if (s == 0) data_file = f[0];
    if (f[0] != data_file) throw bad("signals are in several files; only one signal file is read");
    // gain[(baseline)][/units], then adc resolution, adc zero: baseline defaults to adc zero.
    double g = 200.0, b = 0.0;  // WFDB's default gain
    int64_t adc_zero = 0;
    if (f.size() > 4 && !whole_int(f[4], adc_zero)) throw bad("malformed adc zero '" + f[4] + "' in '" + line + "'");
    b = static_cast<double>(adc_zero);
    if (f.size() > 2) {
      size_t used = 0;
      if (!leading_double(f[2], g, "(/", &used)) throw bad("malformed gain '" + f[2] + "' in '" + line + "'");
      if (g == 0.0) g = 200.0;
      if (used < f[2].size() && f[2][used] == '(') {
        double parsed = 0;
        if (!leading_double(f[2].substr(used + 1), parsed, ")") || f[2].find(')', used) == std::string::npos)
          throw bad("malformed baseline in '" + f[2] + "'");
        b = parsed;
      }
      if (!(g > 0)) throw bad("gain " + f[2] + " is not positive");
    }
    gain[static_cast<size_t>(s)] = g;
    baseline[static_cast<size_t>(s)] = b;
  }

  const fs::path data_path = fs::path(header_path).parent_path() / data_file;
  const std::string bytes = [&] {
    if (!fs::is_regular_file(data_path, ec))
      throw std::runtime_error(data_path.string() + ": missing (signal file of " + header_path + ")");
    return io::read_file(data_path.string());
  }();
  const int64_t expected = r.n_signals * r.n_samples * 2;
  if (static_cast<int64_t>(bytes.size()) != expected)
    throw std::runtime_error(data_path.string() + ": " + std::to_string(bytes.size()) + " bytes, expected " +
                             std::to_string(expected) + " (" + std::to_string(r.n_signals) + " signals x " +
                             std::to_string(r.n_samples) + " samples of format 16, per " + header_path + ")");
  r.signal = torch::empty({r.n_signals, r.n_samples});
  float* out = r.signal.data_ptr<float>();
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  for (int64_t t = 0; t < r.n_samples; ++t)
    for (int64_t s = 0; s < r.n_signals; ++s) {
      const size_t k = static_cast<size_t>((t * r.n_signals + s) * 2);
      const auto digital = static_cast<int16_t>(static_cast<uint16_t>(p[k] | (p[k + 1] << 8)));
      out[s * r.n_samples + t] = static_cast<float>((digital - baseline[s]) / gain[s]);
    }
  return r;
}

}  // namespace longconv::data
