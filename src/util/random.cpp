#include "util/random.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace longconv {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

uint64_t mix_seed(uint64_t a, uint64_t b) { return splitmix64(splitmix64(a) ^ b); }

uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c) { return splitmix64(mix_seed(a, b) ^ c); }

uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  if (n == 0) throw std::invalid_argument("uniform_below: n must be >= 1");
  // Reject the lowest 2^64 mod n draws so the remaining range is a whole number of copies of [0, n).
  const uint64_t threshold = (0 - n) % n;
  uint64_t r = rng();
  while (r < threshold) r = rng();
  return r % n;
}

double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::vector<int64_t> permutation(int64_t n, std::mt19937_64& rng) {
  if (n < 0) throw std::invalid_argument("permutation: negative size " + std::to_string(n));
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(uniform_below(rng, static_cast<uint64_t>(i) + 1));
    std::swap(p[i], p[j]);
  }
  return p;
}

}  // namespace longconv
