#!/usr/bin/env bash
#===- utils/python.sh - Build the xfmr wheel, test it in a fresh venv -----===#
#
# Usage: utils/python.sh BUILD_DIR [test]
# Builds the wheel from the existing CMake build (only the extension is
# compiled) into BUILD_DIR/python/dist. With `test`, installs it into a
# fresh virtual environment (which sees the system's numpy, onnx,
# onnxruntime and pytest, not its xfmr) and runs python/tests there.
#
#===----------------------------------------------------------------------===#
set -euo pipefail

BUILD_DIR="$(cd "${1:?usage: utils/python.sh BUILD_DIR [test]}" && pwd)"
PYTHON="${PYTHON:-python3}"
DIST="$BUILD_DIR/python/dist"

# scikit-build-core configures the build again: with the build type it has,
# so that nothing but the extension is compiled.
BUILD_TYPE="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
rm -rf "$DIST"
"$PYTHON" -m pip wheel -q --disable-pip-version-check --no-build-isolation \
  --no-deps -w "$DIST" -Cbuild-dir="$BUILD_DIR" \
  -Ccmake.build-type="${BUILD_TYPE:-Release}" ./python
echo "python: built $(ls "$DIST"/*.whl)"
[ "${2:-}" = test ] || exit 0

VENV="$BUILD_DIR/python/venv"
rm -rf "$VENV"
"$PYTHON" -m venv --system-site-packages "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps \
  "$DIST"/*.whl
# The tests run outside the source tree, so that `import xfmr` is the
# installed package; compiled models go to a cache of their own.
cd "$BUILD_DIR/python"
XFMR_CACHE_DIR="$BUILD_DIR/python/cache" XFMR_SOURCE_DIR="$OLDPWD" \
  XFMR_BUILD_DIR="$BUILD_DIR" \
  "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$OLDPWD/python/tests"
