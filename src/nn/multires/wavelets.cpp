// Orthogonal wavelet filters matching PyWavelets exactly. See wavelets.h.
//
// Data: PyWavelets (github.com/PyWavelets/pywt, commit bbdf7ebe),
// pywt/_extensions/c/wavelets_coeffs.template.h, arrays db1_..db38_, sym2_..sym20_,
// coif1_..coif17_ (Daubechies and Coiflets computed by Kazuo Hatano, Aichi Institute of
// Technology; Daubechies compiled and verified by Olli Niemitalo). The stored array of each
// wavelet is its reconstruction low-pass filter rec_lo. pywt keeps 60-digit literals; below
// each one is written as the shortest decimal that rounds to the same double, so the values
// are bit-identical to pywt's. The Coiflet arrays are stored as pywt stores them, i.e. still
// to be multiplied by sqrt(2).
//
// Derivation (pywt/_extensions/c/wavelets.c, discrete_wavelet(), re-stated here): with s the
// stored array, L = len(s) (always even) and c = sqrt(2) for coif, 1 otherwise,
//   rec_lo[i] = c * s[i]
//   dec_lo[i] = c * s[L-1-i]                      (rec_lo reversed)
//   dec_hi[i] = (-1)^(L-1-i) * c * s[i]  = (-1)^(i+1) * dec_lo[L-1-i]
//   rec_hi[i] = (-1)^i * c * s[L-1-i]    (dec_hi reversed)
// The sign flips are exact, so dec_hi is a signed permutation of dec_lo bit for bit.
// haar is db1.

#include "nn/multires/wavelets.h"

#include <cstddef>
#include <stdexcept>

namespace longconv::nn {
namespace {

#include "nn/multires/wavelet_coefficients.inc"

// pywt's sqrt2_double: the double nearest sqrt(2).
constexpr double kSqrt2 = 1.4142135623730951454746218587388284504413604736328125;

struct Family {
  const char* prefix;
  int min_order;
  int max_order;
  int len_per_order;  // filter length = len_per_order * order
  const double* data;
  std::size_t size;
  bool times_sqrt2;
};

constexpr std::size_t total_len(int min_order, int max_order, int len_per_order) {
  std::size_t n = 0;
  for (int k = min_order; k <= max_order; ++k) n += static_cast<std::size_t>(len_per_order * k);
  return n;
}

static_assert(sizeof(kDaubechies) / sizeof(double) == total_len(1, 38, 2));
static_assert(sizeof(kSymlets) / sizeof(double) == total_len(2, 20, 2));
static_assert(sizeof(kCoiflets) / sizeof(double) == total_len(1, 17, 6));

// Longest prefix first so that matching is unambiguous.
constexpr Family kFamilies[] = {
    {"coif", 1, 17, 6, kCoiflets, sizeof(kCoiflets) / sizeof(double), true},
    {"sym", 2, 20, 2, kSymlets, sizeof(kSymlets) / sizeof(double), false},
    {"db", 1, 38, 2, kDaubechies, sizeof(kDaubechies) / sizeof(double), false},
};

const char* const kSupported = "haar, db1..db38, sym2..sym20, coif1..coif17";

[[noreturn]] void unknown(const std::string& name) {
  throw std::invalid_argument("unknown wavelet '" + name + "'; supported: " + kSupported);
}

WaveletFilters derive(const Family& f, int order) {
  const std::size_t offset = total_len(f.min_order, order - 1, f.len_per_order);
  const std::size_t len = static_cast<std::size_t>(f.len_per_order * order);
  if (offset + len > f.size) throw std::logic_error("wavelet table is shorter than its orders");
  const double* s = f.data + offset;
  const double c = f.times_sqrt2 ? kSqrt2 : 1.0;  // x * 1.0 == x exactly
  WaveletFilters w;
  w.dec_lo.resize(len);
  w.dec_hi.resize(len);
  for (std::size_t i = 0; i < len; ++i) {
    w.dec_lo[i] = c * s[len - 1 - i];
    const double hi = c * s[i];
    w.dec_hi[i] = ((len - 1 - i) % 2 == 1) ? -hi : hi;
  }
  return w;
}

}  // namespace

WaveletFilters wavelet_filters(const std::string& name) {
  std::string key = name;
  for (char& ch : key) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');  // pywt lower()s names
  }
  if (key == "haar") key = "db1";
  for (const Family& f : kFamilies) {
    const std::string prefix = f.prefix;
    if (key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = key.substr(prefix.size());
    // pywt looks names up in a table: exactly "<prefix><order>", no sign, no leading zero.
    if (digits.empty() || digits.size() > 3 || digits[0] == '0') unknown(name);
    int order = 0;
    for (char ch : digits) {
      if (ch < '0' || ch > '9') unknown(name);
      order = order * 10 + (ch - '0');
    }
    if (order < f.min_order || order > f.max_order) unknown(name);
    return derive(f, order);
  }
  unknown(name);
}

std::vector<std::string> wavelet_names() {
  std::vector<std::string> names{"haar"};
  for (const char* prefix : {"db", "sym", "coif"}) {
    for (const Family& f : kFamilies) {
      if (std::string(f.prefix) != prefix) continue;
      for (int k = f.min_order; k <= f.max_order; ++k) names.push_back(prefix + std::to_string(k));
    }
  }
  return names;
}

}  // namespace longconv::nn
