// Portable seeded randomness: std::shuffle and std::uniform_int_distribution are implementation-defined, so
// shuffles built on them differ between standard libraries. These use only std::mt19937_64's raw output, which the
// standard fixes, so a seed means the same order everywhere.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace longconv {

// splitmix64 finalizer: a bijective mix that turns nearby inputs (seed, seed + 1) into unrelated outputs.
uint64_t splitmix64(uint64_t x);

// One seed from several values (e.g. seed, epoch, index); order matters.
uint64_t mix_seed(uint64_t a, uint64_t b);
uint64_t mix_seed(uint64_t a, uint64_t b, uint64_t c);

// Uniform integer in [0, n), n >= 1, without modulo bias.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t n);

// Uniform double in [0, 1) from the top 53 bits of one draw (std::uniform_real_distribution is not portable).
double uniform01(std::mt19937_64& rng);

// Fisher-Yates permutation of [0, n).
std::vector<int64_t> permutation(int64_t n, std::mt19937_64& rng);

}  // namespace longconv
