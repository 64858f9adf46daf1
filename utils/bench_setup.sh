#!/usr/bin/env bash
#===- utils/bench_setup.sh - The benchmark suite's Python environment ----===#
#
# Usage: utils/bench_setup.sh VENV
# Creates the virtual environment VENV (python3 -m venv) unless it exists,
# and installs from PyPI the packages `make bench` needs that it lacks:
# torch, transformers and onnxscript export the benchmark models; onnx,
# onnxruntime and numpy run them; openvino, iree-base-compiler and
# iree-base-runtime are the other peers timed against xfmr; matplotlib
# draws the chart; onnx-ir is what onnxruntime's MatMulNBitsQuantizer
# needs for the 4-bit models of bench/quantized_bench.py. Idempotent:
# with everything present it only checks. The venv lives outside the source
# tree (by default ~/.cache/xfmr/bench-venv); torch makes it a few GB.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
VENV="${1:?usage: utils/bench_setup.sh VENV}"
PACKAGES=(torch transformers onnxscript onnx onnxruntime openvino
          iree-base-compiler iree-base-runtime numpy matplotlib onnx-ir)

if [ ! -x "$VENV/bin/python" ]; then
  echo "bench: creating the virtual environment $VENV"
  mkdir -p "$(dirname "$VENV")"
  "${PYTHON:-python3}" -m venv "$VENV"
fi

missing=$("$VENV/bin/python" - "${PACKAGES[@]}" <<'PY'
import importlib.metadata, sys
for name in sys.argv[1:]:
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        print(name)
PY
)
if [ -n "$missing" ]; then
  echo "bench: installing into $VENV:" $missing
  # shellcheck disable=SC2086 # one package a word
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check $missing
fi
echo "bench: $VENV has $(IFS=,; echo "${PACKAGES[*]}" | sed 's/,/, /g')"
