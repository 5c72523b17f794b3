#!/usr/bin/env bash
# Installs everything longconv needs from Debian packages (run as root on Debian 12).
# libopenblas0-pthread switches the libblas.so.3 alternative that Debian's LibTorch calls to OpenBLAS:
# float32 matmul goes from ~6 to 100+ GFLOP/s.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  cmake g++ make pkg-config
  libtorch-dev libopenblas0-pthread
  libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev zlib1g-dev libsndfile1-dev
  libpng-dev libjpeg62-turbo-dev libsoxr-dev
  libnanoflann-dev
  libgloo-dev
  libgoogle-perftools-dev
  libplplot-dev plplot-driver-cairo fonts-dejavu-core
  libgtest-dev libgmock-dev libbenchmark-dev
  dataset-fashion-mnist
  espeak-ng sox
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi
