#!/usr/bin/env bash
#===- utils/configure.sh - Configure the xfmr build with CMake + ninja ----===#
#
# Usage: utils/configure.sh [BUILD_DIR] [BUILD_TYPE] [CMAKE_ARGS...]
# Uses clang++-22, lld and (when installed) ccache. CMAKE_ARGS go to cmake
# as they are (e.g. -DLLVM_USE_SANITIZER='Address;Undefined').
#
#===----------------------------------------------------------------------===#
set -euo pipefail

BUILD_DIR="${1:-build}"
BUILD_TYPE="${2:-Release}"
shift $(( $# < 2 ? $# : 2 ))
LLVM_DIR=/usr/lib/llvm-22
# The Python that setup.sh installed numpy/onnx/onnxruntime/lit into, and its
# lit script (CMake runs it with that Python, so not a shell wrapper).
PYTHON="${PYTHON:-$(command -v python3)}"
LIT="$("$PYTHON" -c 'import os, sysconfig; print(os.path.join(sysconfig.get_path("scripts"), "lit"))')"
[ -f "$LIT" ] || LIT="$LLVM_DIR/build/utils/lit/lit.py"

LAUNCHER=()
if command -v ccache >/dev/null; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

cmake -G Ninja -S . -B "$BUILD_DIR" \
  -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
  -DCMAKE_C_COMPILER="$LLVM_DIR/bin/clang" \
  -DCMAKE_CXX_COMPILER="$LLVM_DIR/bin/clang++" \
  -DLLVM_USE_LINKER=lld \
  -DMLIR_DIR="$LLVM_DIR/lib/cmake/mlir" \
  -DLLVM_DIR="$LLVM_DIR/lib/cmake/llvm" \
  -DLLVM_EXTERNAL_LIT="$LIT" \
  -DPython3_EXECUTABLE="$PYTHON" \
  -DLLVM_ENABLE_ASSERTIONS=ON \
  "${LAUNCHER[@]}" "$@"
