#!/usr/bin/env bash
#===- utils/setup.sh - Install everything xfmr needs to build and test ---===#
#
# Idempotent: when every package is already present it only checks and
# returns in a few seconds. Safe to run as root (CI) or with sudo available.
#
#===----------------------------------------------------------------------===#
set -euo pipefail

APT_PACKAGES=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  clang-22 lld-22 libclang-rt-22-dev libomp-22-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  cmake ninja-build ccache valgrind
)
PY_PACKAGES=(numpy onnx onnxruntime lit pytest nanobind scikit-build-core)

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
py_missing=()
for pkg in "${PY_PACKAGES[@]}"; do
  if ! "$PYTHON" -m pip show -q "$pkg" >/dev/null 2>&1; then
    py_missing+=("$pkg")
  fi
done
if [ ${#py_missing[@]} -gt 0 ]; then
  echo "setup: installing Python packages: ${py_missing[*]}"
  "$PYTHON" -m pip install -q --disable-pip-version-check "${py_missing[@]}"
fi
echo "setup: all dependencies present"
