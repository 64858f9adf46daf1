#!/usr/bin/env bash
#===- utils/demo.sh - Compile and run a bundled model ----------------------===#
#
# Usage: utils/demo.sh [BUILD_DIR] [MODEL]
# Compiles a model from test/models (BERT by default) with xfmr-compile,
# runs it with xfmr-run on inputs drawn as the model's JSON says, checks it
# against ONNX Runtime on the same inputs and prints both latencies.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
BUILD_DIR="${1:-build}"
MODEL="${2:-test/models/bert.torchscript.onnx}"
PYTHON="${PYTHON:-python3}"

echo "== $MODEL: $("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["description"])' "${MODEL%.onnx}.json")"
"$PYTHON" utils/demo_model.py "$BUILD_DIR" "$MODEL"
