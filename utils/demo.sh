#!/usr/bin/env bash
#===- utils/demo.sh - Show xfmr at work on a bundled example ---------------===#
#
# Usage: utils/demo.sh [BUILD_DIR]
# Runs the graph-level clean-up (canonicalize + shape refinement) that every
# imported model goes through on the head split of a BERT attention block,
# then imports the bundled BERT model with its dims bound.
#
#===----------------------------------------------------------------------===#
set -euo pipefail
BUILD_DIR="${1:-build}"
OPT="$BUILD_DIR/bin/xfmr-opt"
EXAMPLE=docs/examples/attention-shapes.mlir

echo "== input: $EXAMPLE"
grep -v '^//' "$EXAMPLE"
echo
echo "== $OPT --xfmr-graph-cleanup"
"$OPT" "$EXAMPLE" --xfmr-graph-cleanup

MODEL=test/models/bert.torchscript.onnx
TRANSLATE="$BUILD_DIR/bin/xfmr-translate"
echo
echo "== $TRANSLATE --import-onnx $MODEL --dim=batch=1 --dim=sequence=128 | $OPT --xfmr-graph-cleanup"
"$TRANSLATE" --import-onnx "$MODEL" --dim=batch=1 --dim=sequence=128 \
  | "$OPT" --xfmr-graph-cleanup --mlir-elide-resource-strings-if-larger=16 > "$BUILD_DIR/demo-bert.mlir"
grep -m1 'func.func' "$BUILD_DIR/demo-bert.mlir"
echo "ops after import and clean-up (full IR in $BUILD_DIR/demo-bert.mlir):"
grep -oE '= xfmr\.[a-z_]+' "$BUILD_DIR/demo-bert.mlir" | sed 's/= //' | sort | uniq -c | sort -rn
