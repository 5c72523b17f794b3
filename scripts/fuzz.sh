#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) and runs each for SECONDS (default 30) on the seed
# corpus that fuzz/make_seeds writes with the tests' writers, as many targets at a time as there are cores.
#   scripts/fuzz.sh [SECONDS] [TARGET ...]     (targets: fuzz_safetensors, fuzz_config, ...; default all)
# Build directory: $LONGCONV_FUZZ_BUILD (default build-fuzz). The corpus grown by earlier runs is kept in
# <build>/corpus/<target>; inputs that crash are written to <build>/findings/ and the script exits 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-30}"
shift || true
build="${LONGCONV_FUZZ_BUILD:-$root/build-fuzz}"
jobs="$(nproc)"

start=$(date +%s)
cmake -S "$root/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" >/dev/null
cmake --build "$build" -j"$jobs"
echo "fuzz build: $(($(date +%s) - start)) s"

rm -rf "$build/seeds"
"$build/make_seeds" "$build/seeds"
mkdir -p "$build/findings" "$build/logs"

targets=("$@")
if ((${#targets[@]} == 0)); then
  for exe in "$build"/fuzz_*; do targets+=("$(basename "$exe")"); done
fi

# LibTorch keeps some allocations until exit on purpose; leaks of our own code still show up as ASan errors on the
# objects themselves, so leak detection stays off. A reader that allocates what a file claims hits malloc_limit_mb.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}"

run_one() {
  local target="$1" name="${1#fuzz_}"
  mkdir -p "$build/corpus/$name"
  if "$build/$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -malloc_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/findings/$name-" \
      "$build/corpus/$name" "$build/seeds/$name" >"$build/logs/$name.log" 2>&1; then
    echo "$target: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/logs/$name.log" |
      grep -o '[0-9]*$') inputs, no findings"
  else
    echo "$target: FINDING (log: $build/logs/$name.log)"
    tail -n 40 "$build/logs/$name.log"
    return 1
  fi
}
export -f run_one
export build seconds

start=$(date +%s)
status=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}' || status=1
echo "fuzzing: ${#targets[@]} targets x ${seconds} s on $jobs cores in $(($(date +%s) - start)) s"
exit "$status"
