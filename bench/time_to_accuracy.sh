#!/usr/bin/env bash
# Time to accuracy on sequential Fashion-MNIST (issue 18, part 3): the official code trains OFFICIAL_STEPS (450)
# steps, timed in this run; longconv then trains the same recipe for as many steps as fit in that training wall time
# (its step time calibrated in this run too), over SEEDS, and at the official step count for an equal-steps row.
#
#   REF_DIR_MULTIRES=~/multires-conv REF_DIR_CCNN=~/ccnn bench/time_to_accuracy.sh [BUILD_DIR]
#
# Protocol (both sides): pixels/255 standardised with (0.2860, 0.3530), 784x1 sequences, 54k/6k train/validation
# split, batch 50, AdamW, cosine to 0 without warm-up, test accuracy on the 10k test images after the last step.
# MultiresNet d_model 64 x 4 layers, LayerNorm, dropout 0.1, lr 0.0045, weight decay 0.01; CCNN the sMNIST
# CCNN-4,140 net at 64 channels x 4 blocks, dropout 0.1, lr 0.01, weight decay 0. The official side is
# bench/official/train_fmnist.py (the official modules in that loop).
# Env: MODELS ("multires ccnn"), SEEDS ("0 1 2"), OFFICIAL_SEEDS ("0"), OFFICIAL_STEPS (450), THREADS (all cores),
# ROWS ("equal_steps equal_time": the longconv rows to run), PYTHON (/usr/bin/python3). Without an official
# repository its model is skipped, saying so.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
build="${1:-$root/build}"
cli="$build/longconv"
[[ -x "$cli" ]] || { echo "time_to_accuracy.sh: $cli not found: build longconv first" >&2; exit 1; }
models="${MODELS:-multires ccnn}"
seeds="${SEEDS:-0 1 2}"
official_seeds="${OFFICIAL_SEEDS:-0}"
official_steps="${OFFICIAL_STEPS:-450}"
threads="${THREADS:-$(nproc)}"
rows="${ROWS:-equal_steps equal_time}"
for row in $rows; do
  [[ $row == equal_steps || $row == equal_time ]] ||
    { echo "time_to_accuracy.sh: ROWS holds '$row'; expected equal_steps and/or equal_time" >&2; exit 1; }
done
python="${PYTHON:-/usr/bin/python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
batches_per_epoch=1080  # 54000 training images / batch 50

recipe() {  # model -> config and overrides of the protocol
  case "$1" in
    multires)
      echo "$root/configs/fashion_mnist.yaml net.d_model=64 net.n_layers=4 net.batchnorm=false net.dropout=0.1" \
        "optimizer.lr=0.0045 optimizer.weight_decay=0.01" ;;
    ccnn)
      echo "$root/configs/ccnn/smnist_4_140.yaml dataset.name=fashion_mnist dataset.val_split=0.1 net.no_hidden=64 net.dropout=0.1" \
        "optimizer.lr=0.01 optimizer.weight_decay=0" ;;
  esac
}
ref_dir() { [[ $1 == multires ]] && echo "${REF_DIR_MULTIRES:-}" || echo "${REF_DIR_CCNN:-}"; }

# Trains longconv for `steps` steps (whole epochs of at most 1080 batches); prints "STEPS TRAIN_SECONDS TEST_ACC".
longconv_run() {  # model seed steps
  local epochs=$((($3 + batches_per_epoch - 1) / batches_per_epoch))
  local cap=$(($3 / epochs)) out="$tmp/run.$1.$2.$3"
  # shellcheck disable=SC2046
  "$cli" train $(recipe "$1") seed="$2" threads="$threads" train.batch_size=50 train.eval_batch_size=500 \
    train.epochs="$epochs" train.max_train_batches="$cap" scheduler.warmup_epochs=0 device=cpu \
    train.out_dir="$out" >"$out.log" 2>&1 || { echo "time_to_accuracy.sh: longconv failed:" >&2; tail "$out.log" >&2; exit 1; }
  "$python" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in rows if "epoch" in r]
print(sys.argv[2], sum(r["epoch_seconds"] for r in rows), rows[-1]["test_accuracy"])' "$out/metrics.jsonl" $((epochs * cap))
}

mean_sd() { awk '{s+=$1; q+=$1*$1; n++} END {m=s/n; printf "%.2f ± %.2f", m, (n>1 ? sqrt((q-n*m*m)/(n-1)) : 0)}'; }

echo "threads $threads, $(date -u +%FT%TZ), $(nproc) cores"
echo "| model | run | steps | train s | test accuracy % (seeds) |"
echo "| --- | --- | --- | --- | --- |"
for model in $models; do
  ref="$(ref_dir "$model")"
  if [[ -z "$ref" || ! -d "$ref" ]] || ! "$python" -c "import torch, omegaconf" 2>/dev/null; then
    echo "| $model | official code absent (set REF_DIR_$( [[ $model == multires ]] && echo MULTIRES || echo CCNN), install python3-torch python3-omegaconf python3-pywt) | | | |"
    continue
  fi
  o_secs=() o_accs=()
  for s in $official_seeds; do
    "$python" "$here/official/train_fmnist.py" "$model" --ref "$ref" --steps "$official_steps" --seed "$s" \
      --threads "$threads" >"$tmp/o.$model.$s.json" 2>"$tmp/o.$model.$s.err" ||
      { echo "time_to_accuracy.sh: official $model failed:" >&2; tail "$tmp/o.$model.$s.err" >&2; exit 1; }
    read -r secs acc < <("$python" -c 'import json, sys; r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(r["train_seconds"], r["test_accuracy"])' "$tmp/o.$model.$s.json")
    o_secs+=("$secs") o_accs+=("$acc")
  done
  budget=$(printf '%s\n' "${o_secs[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "| $model | official | $official_steps | $budget | $(printf '%s\n' "${o_accs[@]}" | mean_sd) ($official_seeds) |"
  # longconv's step time, calibrated on 60 steps of seed 0
  read -r _ cal_secs _ < <(longconv_run "$model" 0 60)
  steps=$(awk -v b="$budget" -v c="$cal_secs" 'BEGIN {printf "%d", b / (c / 60)}')
  for row in $rows; do
    run_steps=$([[ $row == equal_steps ]] && echo "$official_steps" || echo "$steps")
    secs=() accs=()
    for s in $seeds; do
      read -r done_steps t acc < <(longconv_run "$model" "$s" "$run_steps")
      secs+=("$t") accs+=("$acc")
    done
    label="longconv, ${row/_/ }"
    echo "| $model | $label | $done_steps | $(printf '%s\n' "${secs[@]}" | mean_sd) | $(printf '%s\n' "${accs[@]}" | mean_sd) ($seeds) |"
  done
done
