#!/usr/bin/env bash
#===- utils/demo.sh - Show xfmr at work on a bundled example ---------------===#
#
# Usage: utils/demo.sh [BUILD_DIR]
# Runs the graph-level clean-up (canonicalize + shape refinement) that every
# imported model goes through on the head split of a BERT attention block.
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
