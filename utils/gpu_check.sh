#!/usr/bin/env bash
# The GPU checks of --target=cuda, made to fit one short call on a lent GPU
# machine that has PyTorch and ONNX Runtime but no LLVM and no network.
#
#   bash utils/gpu_check.sh prepare [BUILD_DIR]
#       where xfmr is built: compiles every test model for CUDA (f32, bf16,
#       and bf16 with sm_90a's wgmma GEMMs), draws inputs, computes ONNX Runtime's outputs and builds the
#       benchmark models, all in BUILD_DIR/gpu-check (about 100 MiB, with
#       libxfmr_runtime.so), packed as BUILD_DIR/gpu-check.tar.xz (about 7);
#   bash utils/gpu_check.sh run [BUILD_DIR]
#       on the GPU machine, with BUILD_DIR/gpu-check or only its archive
#       carried there (it is unpacked when the folder is missing): runs each
#       model against ONNX Runtime's outputs and times a GEMM and causal
#       attention at sequence 2k-16k against PyTorch; the table goes to
#       $OUT/gpu-check.md (or BUILD_DIR/gpu-check/report.md) and stdout.
#   bash utils/gpu_check.sh all [BUILD_DIR]
#       both, on a machine that builds xfmr and has a GPU (make check-gpu).
set -euo pipefail
cd "$(dirname "$0")/.."
command="${1:-all}"
build="${2:-build}"
python="${PYTHON:-python3}"
report="${OUT:-$build/gpu-check}/gpu-check.md"

case "$command" in
  prepare)
    "$python" utils/gpu_check.py prepare --build "$build" --out "$build/gpu-check" ;;
  run)
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
    "$python" utils/gpu_check.py run --dir "$build/gpu-check" --report "$report" ;;
  all)
    "$0" prepare "$build"
    "$0" run "$build" ;;
  *)
    echo "usage: $0 prepare|run|all [BUILD_DIR]" >&2
    exit 1 ;;
esac
