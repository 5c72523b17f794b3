// Orthogonal wavelet filter banks (Daubechies, Symlets, Coiflets) with the exact
// coefficients PyWavelets uses, so MultiresNet's wavelet init needs no Python.
#pragma once

#include <string>
#include <vector>

namespace longconv::nn {

// Decomposition filters in PyWavelets order, i.e. equal to
// pywt.Wavelet(name).dec_lo / .dec_hi (NOT reversed; MultiresNet's h0/h1 are the
// reversals of these).
struct WaveletFilters {
  std::vector<double> dec_lo;
  std::vector<double> dec_hi;
};

// Names as pywt spells them (matched case-insensitively, like pywt):
//   haar (== db1), db1..db38, sym2..sym20, coif1..coif17.
// Lengths: 2N for dbN / symN, 6N for coifN, 2 for haar.
// Throws std::invalid_argument naming the unknown wavelet and listing what is supported.
WaveletFilters wavelet_filters(const std::string& name);

// Every supported name in the order haar, db*, sym*, coif* (ascending orders).
std::vector<std::string> wavelet_names();

}  // namespace longconv::nn
