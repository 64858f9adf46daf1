# xfmr: the two commands a newcomer needs.
#
#   make check   install what is missing, build, run every test suite
#   make demo    install what is missing, build, compile a bundled model,
#                run it and compare it with ONNX Runtime
#
# BUILD_DIR, BUILD_TYPE and PYTHON can be overridden on the command line.

BUILD_DIR  ?= build
BUILD_TYPE ?= Release
PYTHON     ?= python3
LLVM_DIR   := /usr/lib/llvm-22

# Paths inside the tree hash relative to it, so that every clone shares the
# ccache entries of the others.
export CCACHE_BASEDIR := $(CURDIR)
# Debug info (the fuzzer's) would otherwise tie entries to the clone's path.
export CCACHE_NOHASHDIR := 1

.PHONY: all setup configure build check demo docs clean

all: build

setup:
	@PYTHON=$(PYTHON) bash utils/setup.sh

$(BUILD_DIR)/build.ninja:
	@PYTHON=$(PYTHON) bash utils/configure.sh $(BUILD_DIR) $(BUILD_TYPE)

configure: setup
	@PYTHON=$(PYTHON) bash utils/configure.sh $(BUILD_DIR) $(BUILD_TYPE)

build: setup $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR)

# lit (dialect, passes, importer, runtime, tools), a bounded fuzzing run of
# the importer, ONNX's backend node tests (imported, then compiled and run),
# and the test models against ONNX Runtime.
check: build
	@cmake --build $(BUILD_DIR) --target check-xfmr
	@cmake --build $(BUILD_DIR) --target check-xfmr-fuzz
	@cmake --build $(BUILD_DIR) --target check-xfmr-onnx-nodes
	@cmake --build $(BUILD_DIR) --target check-xfmr-conformance
	@cmake --build $(BUILD_DIR) --target check-xfmr-models-vs-ort

demo: build
	@bash utils/demo.sh $(BUILD_DIR)

docs: build
	@cmake --build $(BUILD_DIR) --target xfmr-doc

clean:
	rm -rf $(BUILD_DIR)
