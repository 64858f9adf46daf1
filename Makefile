# xfmr: the two commands a newcomer needs.
#
#   make check   install what is missing, build, run every test suite
#   make demo    install what is missing, build, compile a bundled model,
#                run it and compare it with ONNX Runtime
#   make python  the xfmr wheel, from the existing build, in
#                BUILD_DIR/python/dist
#   make bench   also: a Python environment with torch, OpenVINO and IREE,
#                export the benchmark models, time them against ONNX
#                Runtime, OpenVINO and IREE (each engine in its own
#                processes), write docs/benchmarks-ISA.md and .png for the
#                ISA measured (avx512 or avx2) and the index
#                docs/benchmarks.md
#
#   make check-sanitizers
#                the same suites built with AddressSanitizer and
#                UndefinedBehaviorSanitizer, in build-sanitizers/
#
# BUILD_DIR, BUILD_TYPE and PYTHON can be overridden on the command line;
# for make bench also BENCH_VENV (the virtual environment, created when
# missing) and BENCH_ARGS (options of bench/run_benchmarks.py, e.g.
# BENCH_ARGS='--only bert-base gemm --runs 10', or '--mcpu x86-64-v3' for
# the AVX2 report).

BUILD_DIR  ?= build
BUILD_TYPE ?= Release
PYTHON     ?= python3
LLVM_DIR   := /usr/lib/llvm-22

# Paths inside the tree hash relative to it, so that every clone shares the
# ccache entries of the others.
export CCACHE_BASEDIR := $(CURDIR)
# Debug info (the fuzzer's) would otherwise tie entries to the clone's path.
export CCACHE_NOHASHDIR := 1

BENCH_VENV ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/xfmr/bench-venv
BENCH_ARGS ?=
BENCH_MODELS := $(BUILD_DIR)/bench/models

.PHONY: all setup configure build python check check-gpu check-sanitizers \
        demo bench bench-setup docs clean

all: build

setup:
	@PYTHON=$(PYTHON) bash utils/setup.sh

$(BUILD_DIR)/build.ninja:
	@PYTHON=$(PYTHON) bash utils/configure.sh $(BUILD_DIR) $(BUILD_TYPE)

configure: setup
	@PYTHON=$(PYTHON) bash utils/configure.sh $(BUILD_DIR) $(BUILD_TYPE)

build: setup $(BUILD_DIR)/build.ninja
	@cmake --build $(BUILD_DIR)

# The wheel reuses the build: only the extension is compiled.
python: build
	@PYTHON=$(PYTHON) bash utils/python.sh $(BUILD_DIR)

# lit (dialect, passes, importer, runtime, tools), a bounded fuzzing run of
# the importer, ONNX's backend node tests (imported, then compiled and run),
# the test models against ONNX Runtime, and the Python package's tests in a
# fresh virtual environment.
check: build
	@cmake --build $(BUILD_DIR) --target check-xfmr
	@cmake --build $(BUILD_DIR) --target check-xfmr-fuzz
	@cmake --build $(BUILD_DIR) --target check-xfmr-onnx-nodes
	@cmake --build $(BUILD_DIR) --target check-xfmr-conformance
	@cmake --build $(BUILD_DIR) --target check-xfmr-models-vs-ort
	@PYTHON=$(PYTHON) bash utils/python.sh $(BUILD_DIR) test

# The GPU suite (needs an NVIDIA GPU and its driver): every test model with
# --target=cuda against ONNX Runtime, the cuda-device lit tests, and GEMM and
# attention timed against PyTorch (utils/gpu_check.sh).
check-gpu: build
	@cmake --build $(BUILD_DIR) --target check-xfmr
	@PYTHON=$(PYTHON) bash utils/gpu_check.sh all $(BUILD_DIR)

# The compiler, the runtime and the tools built with AddressSanitizer and
# UndefinedBehaviorSanitizer in a build folder of their own; the lit suite
# (hand-written models and the programs that link the runtime are built
# with both too), the runtime's fuzzer, and the test models against ONNX
# Runtime in f32 (models compiled by xfmr are not instrumented: the checks
# cover the compiler that made them and the runtime that runs them).
SANITIZER_BUILD_DIR ?= build-sanitizers
# The slice of test/models compiled and run (model_tests.py options).
SANITIZER_MODELS ?= --filter bert.
check-sanitizers: setup
	@PYTHON=$(PYTHON) bash utils/configure.sh $(SANITIZER_BUILD_DIR) Release \
	  -DLLVM_USE_SANITIZER='Address;Undefined'
	@cmake --build $(SANITIZER_BUILD_DIR)
	@cmake --build $(SANITIZER_BUILD_DIR) --target check-xfmr
	@cmake --build $(SANITIZER_BUILD_DIR) --target check-xfmr-runtime-fuzz
	@$(PYTHON) test/e2e/model_tests.py --bf16 off \
	  --compile $(SANITIZER_BUILD_DIR)/bin/xfmr-compile \
	  --run $(SANITIZER_BUILD_DIR)/bin/xfmr-run \
	  --work $(SANITIZER_BUILD_DIR)/test/model-tests $(SANITIZER_MODELS)

demo: build
	@bash utils/demo.sh $(BUILD_DIR)
	@bash utils/demo_minilm.sh $(BUILD_DIR) $(BENCH_VENV)

# The models are exported again only when the export script changes.
bench: build bench-setup $(BENCH_MODELS)/.exported
	@$(BENCH_VENV)/bin/python bench/run_benchmarks.py \
	  --build-dir $(BUILD_DIR) --models $(BENCH_MODELS) $(BENCH_ARGS)

bench-setup:
	@PYTHON=$(PYTHON) bash utils/bench_setup.sh $(BENCH_VENV)

$(BENCH_MODELS)/.exported: test/models/export_models.py | bench-setup
	@$(BENCH_VENV)/bin/python test/models/export_models.py --bench \
	  --out $(BENCH_MODELS)
	@touch $@

docs: build
	@cmake --build $(BUILD_DIR) --target xfmr-doc

clean:
	rm -rf $(BUILD_DIR)
