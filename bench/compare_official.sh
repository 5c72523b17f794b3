#!/usr/bin/env bash
# The official code and longconv side by side on the same workloads, in one run: for each workload, ROUNDS rounds of
# (official, longconv), each run in its own process, its peak RSS read by /usr/bin/time. Prints one table of the
# median seconds per step, the peak memory and the ratios, against the targets of issue 18.
#
#   REF_DIR_MULTIRES=~/multires-conv REF_DIR_CCNN=~/ccnn bench/compare_official.sh [BUILD_DIR] [WORKLOAD...]
#
# The official repositories are the user's own clones (github.com/thjashin/multires-conv, github.com/david-knigge/ccnn);
# nothing of them is in this project. They run with Debian's python3-torch, python3-omegaconf and python3-pywt. Where
# a repository or python3-torch is missing, the table has longconv's figures alone.
# Env: ROUNDS (2), THREADS (all cores; both sides use the same count), MIN_TIME (longconv_bench's seconds per
# workload, 3), PYTHON (/usr/bin/python3). Run it on a quiet machine: the two sides share it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../build}"
shift || true
bench="$build/longconv_bench"
[[ -x "$bench" ]] || { echo "compare_official.sh: $bench not found: build longconv first (cmake --build $build)" >&2; exit 1; }
rounds="${ROUNDS:-2}"
threads="${THREADS:-$(nproc)}"
min_time="${MIN_TIME:-3}"
python="${PYTHON:-/usr/bin/python3}"
[[ -x /usr/bin/time ]] || { echo "compare_official.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }

# name, family (which repository the official side needs), longconv benchmark, speed target, memory target (ratio
# longconv/official; "-" for none). A NAME_checkpointed row is longconv with train.checkpoint_activations against
# the official NAME workload (which keeps its activations).
workloads=(
  "multires_layer multires BM_MultiresLayerFused - -"
  "multires_net_small multires multires_net_small 12 -"
  "multires_scifar multires multires_scifar 10 0.25"
  "multires_scifar_checkpointed multires multires_scifar_checkpointed 10 0.25"
  "multires_listops multires multires_listops 10 0.25"
  "multires_listops_checkpointed multires multires_listops_checkpointed 10 0.25"
  "multires_scifar_infer multires multires_scifar_infer 8 -"
  "multires_ar_sample multires multires_ar_sample - -"
  "ccnn_smnist ccnn ccnn_smnist 8 0.5"
  "ccnn_smnist_checkpointed ccnn ccnn_smnist_checkpointed 8 0.5"
  "ccnn_smnist_infer ccnn ccnn_smnist_infer 8 0.5"
  "ccnn_cifar10_2d ccnn ccnn_cifar10_2d 15 0.5"
  "ccnn_cifar10_2d_checkpointed ccnn ccnn_cifar10_2d_checkpointed 15 0.5"
  "ccnn_speech_raw ccnn ccnn_speech_raw 6 0.5"
  "ccnn_speech_raw_checkpointed ccnn ccnn_speech_raw_checkpointed 6 0.5"
  "ccnn_scifar_6_380 ccnn ccnn_scifar_6_380 - 0.5"
  "ccnn_scifar_6_380_checkpointed ccnn ccnn_scifar_6_380_checkpointed - 0.5"
)
selected=("$@")

have_official() {  # family
  local dir
  [[ $1 == multires ]] && dir="${REF_DIR_MULTIRES:-}" || dir="${REF_DIR_CCNN:-}"
  [[ -n "$dir" && -d "$dir" ]] && "$python" -c "import torch, omegaconf" 2>/dev/null
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Runs a command under /usr/bin/time; prints "SECONDS_PER_STEP PEAK_MB", the seconds read by `parse` from the JSON
# the command writes to `json` (its stdout when that is "-").
measure() {  # out_prefix parse_py json cmd...
  local out="$1" parse="$2" json="$3"
  shift 3
  [[ $json == - ]] && json="$out.stdout"
  if ! /usr/bin/time -f %M -o "$out.rss" "$@" >"$out.stdout" 2>"$out.err"; then
    echo "compare_official.sh: failed: $*" >&2
    tail -5 "$out.err" >&2
    echo "nan nan"
    return
  fi
  echo "$("$python" -c "$parse" "$json") $(awk '{printf "%.0f", $1 / 1024}' "$out.rss")"
}
# Official driver: one JSON line; a sampling run reports its extrapolated total.
parse_official='import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print(r.get("extrapolated_seconds", r["seconds_per_step"]))'
# Google Benchmark's JSON: real time of the (only) family, in seconds.
parse_bench='import json, sys
b = [x for x in json.load(open(sys.argv[1]))["benchmarks"] if x.get("run_type", "iteration") == "iteration"][0]
scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
print(b["real_time"] * scale)'

median() { tr ' ' '\n' | grep -v '^nan$' | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

printf '%s\n' "threads $threads, $rounds rounds, $(date -u +%FT%TZ), $(nproc) cores" >"$tmp/header"
rows=()
for spec in "${workloads[@]}"; do
  read -r name family bench_name speed_target mem_target <<<"$spec"
  if ((${#selected[@]})) && [[ ! " ${selected[*]} " == *" $name "* ]]; then continue; fi
  official=false
  have_official "$family" && official=true
  o_s=() o_mb=() l_s=() l_mb=()
  for ((r = 1; r <= rounds; ++r)); do
    if $official; then
      ref_args=(--ref-multires "${REF_DIR_MULTIRES:-/nonexistent}" --ref-ccnn "${REF_DIR_CCNN:-/nonexistent}")
      # Official sampling runs a full forward per position (minutes each here): one position, extrapolated to all.
      steps_args=()
      [[ $name == multires_ar_sample ]] && steps_args=(--warmup 0 --steps 1)
      read -r s mb < <(measure "$tmp/o.$name.$r" "$parse_official" - \
        "$python" "$here/official/time_official.py" "${name%_checkpointed}" "${ref_args[@]}" --threads "$threads" "${steps_args[@]}")
      o_s+=("$s") o_mb+=("$mb")
    fi
    # longconv_bench's console shows its own table; the JSON goes to a file.
    read -r s mb < <(OMP_NUM_THREADS="$threads" measure "$tmp/l.$name.$r" "$parse_bench" "$tmp/l.$name.$r.json" \
      "$bench" --benchmark_filter="^$bench_name(/|\$)" --benchmark_min_time="$min_time" \
      --benchmark_out="$tmp/l.$name.$r.json" --benchmark_out_format=json)
    l_s+=("$s") l_mb+=("$mb")
    official_round="absent"
    $official && official_round="${o_s[-1]} s ${o_mb[-1]} MB"
    echo "  $name round $r: official $official_round, longconv ${l_s[-1]} s ${l_mb[-1]} MB" >&2
  done
  ls_med=$(echo "${l_s[*]}" | median) lmb_med=$(echo "${l_mb[*]}" | median)
  if $official; then
    os_med=$(echo "${o_s[*]}" | median) omb_med=$(echo "${o_mb[*]}" | median)
  else
    os_med=nan omb_med=nan
  fi
  rows+=("$name $os_med $omb_med $ls_med $lmb_med $speed_target $mem_target")
done

cat "$tmp/header"
printf '%s\n' "${rows[@]}" | awk '
function verdict(value, target, higher) {
  if (target == "-") return ""
  if (value == "nan") return " (target " target ")"
  return (higher ? value + 0 >= target + 0 : value + 0 <= target + 0) ? " (met: " target ")" : " (missed: " target ")"
}
BEGIN {
  printf "| %-21s | %10s | %11s | %10s | %11s | %-22s | %-24s |\n", "workload", "official s", "official MB",
         "longconv s", "longconv MB", "speed-up", "memory longconv/official"
  print "| --- | --- | --- | --- | --- | --- | --- |"
}
{
  speed = ($2 == "nan" || $4 == "nan") ? "nan" : sprintf("%.1f", $2 / $4)
  mem = ($3 == "nan" || $5 == "nan") ? "nan" : sprintf("%.2f", $5 / $3)
  printf "| %-21s | %10s | %11s | %10s | %11s | %-22s | %-24s |\n", $1,
         $2 == "nan" ? "-" : sprintf("%.3f", $2), $3 == "nan" ? "-" : $3, sprintf("%.3f", $4), $5,
         (speed == "nan" ? "-" : speed "x") verdict(speed, $6, 1), (mem == "nan" ? "-" : mem) verdict(mem, $7, 0)
}'
if ! have_official multires || ! have_official ccnn; then
  echo "official code absent for some workloads (set REF_DIR_MULTIRES / REF_DIR_CCNN to the official clones, and" \
    "install python3-torch python3-omegaconf python3-pywt): their rows show longconv alone"
fi
