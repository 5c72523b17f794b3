#!/usr/bin/env bash
# The unit and golden tiers under AddressSanitizer + UndefinedBehaviorSanitizer (build-sanitize/); too slow for CI (about 21 min on 2 cores), run it before a release.
# LibTorch itself is not instrumented; leak checking is off because LibTorch keeps process-lifetime allocations.
set -euo pipefail
cd "$(dirname "$0")/.."
# -O1 -g1 (line tables): the sanitizers' usual level, and a third of -O2 -g's compile time here (92 s -> 44 s for
# test_trainer.cpp under ASan); reports still name file and line.
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DLONGCONV_SANITIZE=ON -DLONGCONV_WERROR=ON -DLONGCONV_BUILD_BENCH=OFF
cmake --build build-sanitize -j"$(nproc)" --target longconv longconv_unit_tests longconv_golden_tests
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-sanitize -L 'unit|golden' --output-on-failure -j"$(nproc)"
