#!/usr/bin/env bash
# Data-parallel throughput on this machine: training samples/s of 1 process x 2 threads against 2 processes x 1
# thread (`--nproc 2`, loopback Gloo), and the share of the epoch rank 0 spent waiting for gradient all-reduces that
# backward did not hide (metrics.jsonl's allreduce_wait_seconds / epoch_seconds), for the sMNIST CCNN-4,140 and the
# MultiresNet sCIFAR configs. Fashion-MNIST (installed by install-deps.sh) stands in for MNIST, of the same shape;
# random pixels in CIFAR-10's binary format stand in for CIFAR-10 (a step's time does not depend on the pixels).
# Both runs of a pair are measured here, one after the other: compare the ratio, not the absolute figures.
#
#   bench/dist_throughput.sh [build/longconv]      BATCHES=6 by default (training batches per run)
set -euo pipefail
longconv=${1:-build/longconv}
batches=${BATCHES:-6}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1000 records per file: a label byte in [0, 10) (the reader checks it), then 3072 random pixels.
mkdir -p "$work/cifar"
python3 - "$work/cifar" <<'PY'
import os, sys
for f in ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]:
    with open(os.path.join(sys.argv[1], f + ".bin"), "wb") as out:
        for i in range(1000):
            out.write(bytes([i % 10]) + os.urandom(3072))
PY

# "<samples/s> <all-reduce wait share>" of the run in $1.
figures() {
  python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).readlines()[-1])
print("%.2f %.3f" % (r["samples_per_second"], r.get("allreduce_wait_seconds", 0) / r["epoch_seconds"]))' "$1/metrics.jsonl"
}

measure() {
  local name=$1 config=$2
  shift 2
  local common=(device=cpu train.epochs=1 "train.max_train_batches=$batches" train.max_eval_batches=1 "$@")
  "$longconv" train "$config" "${common[@]}" threads=2 "train.out_dir=$work/one" --overwrite 2>/dev/null >/dev/null
  "$longconv" train "$config" "${common[@]}" threads=1 "train.out_dir=$work/two" --overwrite --nproc 2 \
    2>/dev/null >/dev/null
  read -r one_sps _ <<<"$(figures "$work/one")"
  read -r two_sps two_wait <<<"$(figures "$work/two")"
  printf '%-28s 1x2 threads %8s samples/s | 2x1 thread %8s samples/s (ratio %s) | all-reduce wait %s of the epoch\n' \
    "$name" "$one_sps" "$two_sps" "$(python3 -c "print('%.2f' % ($two_sps / $one_sps))")" "$two_wait"
}

measure "sMNIST CCNN-4,140" configs/ccnn/smnist_4_140.yaml dataset.name=fashion_mnist \
  dataset.data_dir=/usr/share/datasets/fashion-mnist
measure "MultiresNet sCIFAR" configs/multires/seq_cifar.yaml "dataset.data_dir=$work/cifar"
