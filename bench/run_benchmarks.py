#!/usr/bin/env python3
"""xfmr against ONNX Runtime, OpenVINO and IREE on transformer models and
their GEMMs.

The peers are the engines a user of xfmr would otherwise pick for a CPU:
ONNX Runtime (CPUExecutionProvider, ORT_ENABLE_ALL), OpenVINO (CPU plugin,
f32 inference precision, latency hint) and IREE (iree-import-onnx, then
iree-compile for llvm-cpu, run on the local-task driver), each with the
same number of threads (--threads) as xfmr.

For each benchmark model (exported by `test/models/export_models.py --bench`
to BUILD/bench/models) the script:

  1. compiles it once, outside any timing: xfmr-compile with its symbolic
     dims bound by --dim to the sizes of the JSON's example shapes
     (recording the compile's wall time and peak resident set size); for
     OpenVINO and IREE a copy of the model whose dims are those sizes,
     shapes inferred again and shape arithmetic folded to constants
     (IREE's importer needs static shapes, and OpenVINO then plans for
     them), which IREE imports and compiles to a .vmfb (cached in the work
     folder, keyed by the model and the flags) and OpenVINO compiles into
     its model cache on its first load. ONNX Runtime runs the model as
     exported. A failed compile is a row of the table with its first error
     line, and the suite goes on;
  2. times each engine in a process of its own (bench/engine_worker.py):
     a worker loads the engine and the compiled model, runs the warm-up,
     then times a block of runs (as many as fit in --min-time / --runs
     seconds) and exits. The engines take turns, the order rotating each
     round, for --runs rounds, so that the load of this shared machine
     hits all alike; an engine's time is the median of all its runs.
     Nothing of another engine runs while one is timed: in a single
     process the spinning idle threads of one engine took cores from the
     next, which needed a pause between blocks; here they end with their
     process, so the next worker starts at once;
  3. checks every engine's outputs (written by its first worker, on the
     same inputs, drawn as the JSON says with a fixed seed) against ONNX
     Runtime's: an engine that fails to load or run, or whose answer is
     wrong, is reported as such in the row, not as a time.

The same is done for single-MatMul models of the GEMM shapes of these models
(x [1, M, K] times a constant W [K, N]), reported in GFLOP/s against the
peak FP32 FMA rate of the ISA the code was compiled for, measured in the
same run by bench/peak_fma.c (compiled here with clang, 256-bit for AVX2 or
512-bit for AVX-512).

The ISA: --mcpu (passed on to xfmr-compile; default native) decides it:
AVX-512 where that CPU has avx512f, else AVX2. So `--mcpu x86-64-v3`
measures xfmr's AVX2 code on an AVX-512 machine. The peers run as a user of
this machine would run them: ONNX Runtime and OpenVINO pick their kernels
from the CPU they run on (ONEDNN_MAX_CPU_ISA does not reach the MLAS
kernels OpenVINO runs its MatMuls with) and IREE compiles for the host, so
in an AVX2 report made on an AVX-512 machine they still use AVX-512, as the
report says: a ratio there is xfmr's AVX2 code against the peers' best.

Reports, one per ISA, so that measuring one does not erase the other: the
run writes docs/benchmarks-ISA.md (ISA = avx512 or avx2: the machine,
versions, tables and the command that regenerates it) and
docs/benchmarks-ISA.png (the ratios), then rewrites docs/benchmarks.md, an
index of the per-ISA reports present in docs/ with the machine and date of
each (read from a summary each report carries in a comment). Every timing
goes to BUILD/bench/work/results-ISA.json (and results.json, the last run).

Usage: run_benchmarks.py [--build-dir build] [--only NAME ...] [--runs 5]
                         [--warmup 2] [--mcpu native] [--threads N]
                         [--engines xfmr ort openvino iree] [--docs docs]
                         [--compile-flag FLAG ...]
NAME is a model (bert-base, gpt2-small, gpt2-small-decode, llama-100m,
vit-base), `gemm` for all GEMMs, or one GEMM (gemm-128x768x768).
"""

import argparse
import datetime
import gc
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "engine_worker.py")
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
from model_tests import draw_input, parse_fusion_report  # noqa: E402

# (name, what is measured). The files are NAME.torchscript.{onnx,json}.
MODELS = [
    ("bert-base", "BERT-base, batch 1, sequence 128"),
    ("gpt2-small", "GPT-2 small, prefill of 128 tokens"),
    ("gpt2-small-decode", "GPT-2 small, one decode step over a 128-token "
     "key/value cache"),
    ("llama-100m", "LLaMA-style, prefill of 128 tokens"),
    ("vit-base", "ViT-base/16, one 224x224 image"),
]
EXPORTER = "torchscript"

# (M, K, N, where the shape occurs).
GEMMS = [
    (128, 768, 768, "BERT / ViT q, k, v, output projections"),
    (128, 768, 3072, "BERT / GPT-2 / ViT FFN up"),
    (128, 3072, 768, "BERT / GPT-2 / ViT FFN down"),
    (1, 768, 2304, "GPT-2 decode q·k·v projection"),
    (128, 768, 2048, "LLaMA gate / up"),
    (128, 2048, 768, "LLaMA down"),
    (128, 768, 256, "LLaMA k, v (4 key/value heads)"),
    (128, 768, 32000, "LLaMA output (vocabulary)"),
]

# The engines, xfmr first; ONNX Runtime's outputs are the reference.
ENGINES = ["xfmr", "ort", "openvino", "iree"]
PEERS = ENGINES[1:]
LABEL = {"xfmr": "xfmr", "ort": "ORT", "openvino": "OpenVINO",
         "iree": "IREE"}
# The PyPI packages each engine needs (beyond numpy and onnx).
PACKAGES = {"ort": ["onnxruntime"], "openvino": ["openvino"],
            "iree": ["iree-base-compiler", "iree-base-runtime"]}

# An output matches ORT when its largest error, relative to the largest
# magnitude of ORT's outputs, is at most this.
RELATIVE_TOLERANCE = 1e-3
# With --precision=bf16 the matmuls round weights and activations to 8
# significant bits (the test models stay below 5e-3).
BF16_RELATIVE_TOLERANCE = 2e-2

# The ISA of named CPUs (--mcpu); others are asked of the C compiler.
ISA_OF_CPU = {
    **dict.fromkeys(["x86-64-v3", "haswell", "broadwell", "skylake",
                     "alderlake", "znver1", "znver2", "znver3"], "avx2"),
    **dict.fromkeys(["x86-64-v4", "skylake-avx512", "cascadelake",
                     "icelake-server", "sapphirerapids", "graniterapids",
                     "znver4", "znver5"], "avx512"),
}
ISA_NAME = {"avx512": "AVX-512", "avx2": "AVX2"}
# clang flags of the peak FMA probe, per ISA.
PEAK_FLAGS = {"avx512": ["-mavx512f"], "avx2": ["-mavx2", "-mfma"]}


# Options the Makefile's bench target passes, and paths of this machine.
MAKE_SETS = ("--build-dir", "--models", "--work", "--docs")


def tolerance(args):
    """The mismatch threshold for the compile flags in use."""
    return (BF16_RELATIVE_TOLERANCE if "--precision=bf16" in args.compile_flag
            else RELATIVE_TOLERANCE)


def gemm_name(m, k, n):
    return f"gemm-{m}x{k}x{n}"


def first_error_line(text, fallback="no message"):
    """The line of a tool's output that says what went wrong: the first
    that mentions an error, else the first non-empty one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return next((line for line in lines if "error" in line.lower()),
                lines[0] if lines else fallback)


def shorten(text, limit=240):
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --------------------------------------------------------------------------
# The CPU and its ISA.
# --------------------------------------------------------------------------

def cpu_flags():
    with open("/proc/cpuinfo") as f:
        flags = re.search(r"^flags\s*:\s*(.*)$", f.read(), re.M)
    return set(flags.group(1).split()) if flags else set()


def isa_of(mcpu, cc):
    """avx512 when the CPU `mcpu` has AVX-512F, avx2 when it has AVX2; for
    native the host's flags say, for other names the table above, else the
    C compiler's predefined macros for -march=MCPU."""
    if mcpu == "native":
        flags = cpu_flags()
        return ("avx512" if "avx512f" in flags else
                "avx2" if "avx2" in flags else None)
    if mcpu in ISA_OF_CPU:
        return ISA_OF_CPU[mcpu]
    try:
        macros = subprocess.run([cc, f"-march={mcpu}", "-dM", "-E", "-x", "c",
                                 os.devnull], capture_output=True,
                                text=True).stdout
    except OSError:
        return None
    return ("avx512" if "__AVX512F__" in macros else
            "avx2" if "__AVX2__" in macros else None)


def measure_peak(cc, work, isa):
    """Per-core and all-core peak FP32 FMA GFLOP/s of the ISA's vectors,
    from bench/peak_fma.c; None where this CPU cannot run them."""
    if isa == "avx512" and "avx512f" not in cpu_flags():
        return None
    binary = os.path.join(work, f"peak_fma_{isa}")
    flags = ["-O2", *PEAK_FLAGS[isa], "-pthread"]
    subprocess.run([cc, *flags, os.path.join(HERE, "peak_fma.c"), "-o", binary],
                   check=True)
    out = subprocess.run([binary], check=True, capture_output=True,
                         text=True).stdout
    values = dict(re.findall(r"^(\S+) GFLOP/s ([0-9.]+)$", out, re.M))
    threads = int(re.search(r"^threads (\d+)$", out, re.M).group(1))
    return {"per_core": float(values["per-core"]),
            "all_core": float(values["all-core"]), "threads": threads,
            "isa": isa, "command": f"{cc} {' '.join(flags)} bench/peak_fma.c"}


# --------------------------------------------------------------------------
# Compiling, once per model and engine, outside the timing.
# --------------------------------------------------------------------------

# Runs a command and prints its exit status and peak RSS (KiB). A child
# exec'd straight from this process would report at least this process's
# RSS (Linux carries the largest RSS across fork and exec); the child of
# this small helper starts from the helper's.
_PEAK_RSS_HELPER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def relative_command(command):
    return " ".join(os.path.relpath(c, ROOT) if c.startswith(ROOT + os.sep)
                    else c for c in command)


def compile_xfmr(args, source, library, dims):
    """Runs xfmr-compile; returns wall seconds, peak RSS (MB), the fusion
    report and the error (None when it succeeded)."""
    command = [os.path.join(args.build_dir, "bin", "xfmr-compile"), source,
               "-o", library, "--fusion-report", f"--mcpu={args.mcpu}",
               *[f"--dim={k}={v}" for k, v in dims.items()],
               *args.compile_flag]
    log = library + ".log"
    result = {"command": relative_command(command)}
    start = time.monotonic()
    with open(log, "w") as stderr:
        helper_process = subprocess.Popen(
            [sys.executable, "-c", _PEAK_RSS_HELPER, *command],
            stdout=subprocess.PIPE, stderr=stderr, text=True,
            start_new_session=True)
        try:
            out, _ = helper_process.communicate(timeout=args.compile_timeout)
            status, peak_kib = (int(v) for v in out.split())
            why = None
        except subprocess.TimeoutExpired:
            os.killpg(helper_process.pid, signal.SIGKILL)
            helper_process.communicate()
            status, peak_kib = -signal.SIGKILL, 0
            why = f"timed out after {args.compile_timeout:g} s"
    result["seconds"] = time.monotonic() - start
    result["peak_mb"] = peak_kib / 1024.0  # Linux reports KiB
    with open(log) as f:
        text = f.read()
    result["fused"] = {k: v[0] for k, v in parse_fusion_report(text)[0].items()
                       if v[0]}
    result["error"] = None
    if status:
        # The report's lines are indented; the error is not.
        why = why or first_error_line("\n".join(
            line for line in text.splitlines()
            if not line.startswith((" ", "fusion report"))))
        result["error"] = f"exit status {status}: {why}"
    return result


def static_model(source, feed, path):
    """A copy of `source` whose graph inputs have the shapes of `feed`, with
    every other shape inferred again from them and the shape arithmetic
    folded (fold_shape_arithmetic): IREE's importer turns each dim it
    cannot see as a number into a dynamic one, which its CPU pipeline
    handles worse or not at all, and OpenVINO plans for the shapes it is
    given. Made once; kept while newer than the source."""
    if (os.path.exists(path)
            and os.path.getmtime(path) >= os.path.getmtime(source)):
        return
    model = onnx.load(source)
    for value in model.graph.input:
        if value.name not in feed:
            continue
        dims = value.type.tensor_type.shape.dim
        for dim, size in zip(dims, feed[value.name].shape):
            dim.Clear()
            dim.dim_value = size
    # The exporter's shapes of the other values still name the symbolic
    # dims; shape inference fills them in again from the inputs.
    for value in model.graph.output:
        value.type.tensor_type.ClearField("shape")
    for _ in range(8):
        del model.graph.value_info[:]
        model = onnx.shape_inference.infer_shapes(model, data_prop=True)
        if not fold_shape_arithmetic(model):
            break
    onnx.save(model, path + ".tmp")
    os.replace(path + ".tmp", path)


# Folded values stay small: shapes, indices, masks, not weights.
FOLD_LIMIT = 1 << 16


def fold_shape_arithmetic(model):
    """Replaces by Constants the nodes whose value is known before the
    model runs: Shape and Size of values whose shape is static, and nodes
    all of whose inputs are small constants (ONNX's reference evaluator
    computes them). An exported decoder computes positions and masks from
    Shape, Gather, Range, ... which shape inference alone leaves unknown
    (the decode step's positions made iree-compile fail). Semantics are
    unchanged. Returns the number of nodes folded; shapes need inferring
    again after it."""
    from onnx.reference import ReferenceEvaluator

    static = {}
    for value in [*model.graph.input, *model.graph.value_info,
                  *model.graph.output]:
        shape = value.type.tensor_type.shape
        if (value.type.tensor_type.HasField("shape")
                and all(d.HasField("dim_value") for d in shape.dim)):
            static[value.name] = [d.dim_value for d in shape.dim]
    known = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer
             if math.prod(i.dims) <= FOLD_LIMIT}
    nodes, folded = [], 0
    for node in model.graph.node:
        value = None
        attributes = {a.name: helper.get_attribute_value(a)
                      for a in node.attribute}
        if node.domain not in ("", "ai.onnx") or node.op_type.startswith(
                ("Random", "Bernoulli", "Multinomial")):
            pass  # not ours to evaluate, or not the same value every run
        elif node.op_type == "Constant":
            try:
                constant = ReferenceEvaluator(node).run(None, {})[0]
                if constant.size <= FOLD_LIMIT:
                    known[node.output[0]] = constant
            except Exception:  # noqa: BLE001 -- left as it is
                pass
        elif node.op_type in ("Shape", "Size") and node.input[0] in static:
            dims = static[node.input[0]]
            if node.op_type == "Size":
                value = [np.array(math.prod(dims), np.int64)]
            else:
                start = attributes.get("start", 0)
                end = attributes.get("end", len(dims))
                value = [np.array(dims[start:end], np.int64)]
        elif node.input and all(i in known for i in node.input if i):
            try:
                value = ReferenceEvaluator(node).run(
                    None, {i: known[i] for i in node.input if i})
            except Exception:  # noqa: BLE001 -- left for the engines
                value = None
        if value is None or any(np.asarray(v).size > FOLD_LIMIT
                                for v in value):
            nodes.append(node)
            continue
        for name, v in zip(node.output, value):
            known[name] = np.asarray(v)
            nodes.append(helper.make_node(
                "Constant", [], [name],
                value=numpy_helper.from_array(known[name], name)))
        folded += 1
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return folded


def venv_tool(name):
    """A console script of the Python environment this runs in, else from
    PATH."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.path.exists(local) else shutil.which(name) or name


def iree_target_cpu(args):
    """IREE compiles for the host whatever --mcpu says: like ONNX Runtime
    and OpenVINO, which pick their kernels from the CPU they run on, it is
    measured as a user of this machine would run it."""
    return "host"


def compile_iree(args, name, static):
    """iree-import-onnx, then iree-compile for llvm-cpu: the .vmfb, reused
    while the model, the flags and IREE's version are the same."""
    mlir = os.path.join(args.work, "iree", name + ".mlir")
    vmfb = os.path.join(args.work, "iree", f"{name}-{args.isa}.vmfb")
    os.makedirs(os.path.dirname(vmfb), exist_ok=True)
    imports = [venv_tool("iree-import-onnx"), static, "-o", mlir]
    compiles = [venv_tool("iree-compile"), mlir,
                "--iree-hal-target-device=local",
                "--iree-hal-local-target-device-backends=llvm-cpu",
                f"--iree-llvmcpu-target-cpu={iree_target_cpu(args)}",
                "-o", vmfb]
    result = {"command": relative_command(imports) + " && "
              + relative_command(compiles), "vmfb": vmfb, "error": None}
    key = hashlib.sha256()
    with open(static, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            key.update(chunk)
    key.update(result["command"].encode())
    key.update(package_version("iree-base-compiler").encode())
    key = key.hexdigest()
    if os.path.exists(vmfb) and os.path.exists(vmfb + ".key"):
        with open(vmfb + ".key") as f:
            if f.read() == key:
                result["cached"] = True
                return result
    start = time.monotonic()
    for command in (imports, compiles):
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=args.compile_timeout)
        except subprocess.TimeoutExpired:
            result["error"] = (f"{os.path.basename(command[0])} timed out "
                               f"after {args.compile_timeout:g} s")
            return result
        except OSError as e:
            result["error"] = f"{os.path.basename(command[0])}: {e}"
            return result
        if done.returncode:
            result["error"] = (f"{os.path.basename(command[0])} exit status "
                               f"{done.returncode}: "
                               + first_error_line(done.stderr + done.stdout))
            with open(vmfb + ".log", "w") as f:
                f.write(done.stderr + done.stdout)
            return result
    result["seconds"] = time.monotonic() - start
    os.remove(mlir)  # as large as the weights
    with open(vmfb + ".key", "w") as f:
        f.write(key)
    return result


# --------------------------------------------------------------------------
# Timing: one worker process per engine and round.
# --------------------------------------------------------------------------

def worker_env(args, engine):
    env = dict(os.environ)
    # xfmr's libomp reads it; it also keeps any OpenMP inside a peer's
    # libraries to the same threads.
    env["OMP_NUM_THREADS"] = str(args.threads)
    return env


def run_worker(args, engine, job_path, tag, outputs=None):
    """One worker: its result ({"times", "load_seconds"} or {"error"})."""
    result_path = f"{job_path}.{engine}.{tag}.json"
    log_path = f"{job_path}.{engine}.log"
    if os.path.exists(result_path):
        os.remove(result_path)
    command = [sys.executable, WORKER, engine, job_path, result_path]
    if outputs:
        command += ["--outputs", outputs]
    with open(log_path, "w") as log:
        try:
            process = subprocess.run(command, stdout=log, stderr=log,
                                     env=worker_env(args, engine),
                                     timeout=args.worker_timeout)
            status = process.returncode
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {args.worker_timeout:g} s"}
    if os.path.exists(result_path):
        with open(result_path) as f:
            result = json.load(f)
        if "traceback" in result:
            with open(log_path, "a") as log:
                log.write(result.pop("traceback"))
        return result
    with open(log_path) as f:
        text = f.read()
    how = (f"killed by {signal.Signals(-status).name}" if status < 0
           else f"exit status {status}")
    return {"error": f"crashed ({how}): " + first_error_line(text, "")}


def time_engines(args, name, job, engines):
    """Rounds of workers, the order rotating each round; the first round's
    workers also write their outputs. {engine: {"times", "outputs",
    "error", ...}}."""
    job_path = os.path.join(args.work, name + ".job.json")
    with open(job_path, "w") as f:
        json.dump(job, f, indent=1)
    state = {e: {"times": [], "round_ms": [], "load_seconds": []}
             for e in engines}
    for r in range(args.runs):
        live = [e for e in engines if "error" not in state[e]]
        if not live:
            break
        order = live[r % len(live):] + live[:r % len(live)]
        for engine in order:
            outputs = (os.path.join(args.work, f"{name}.{engine}.outputs.npz")
                       if r == 0 else None)
            result = run_worker(args, engine, job_path, r, outputs)
            s = state[engine]
            if "error" in result:
                s["error"] = result["error"]
                print(f"   {LABEL[engine]}: {result['error']}", flush=True)
                continue
            s["times"] += result["times"]
            s["round_ms"].append(statistics.median(result["times"]) * 1e3)
            s["load_seconds"].append(result["load_seconds"])
            if outputs:
                s["outputs"] = outputs
        print(f"   round {r + 1}: " + ", ".join(
            f"{LABEL[e]} {state[e]['round_ms'][-1]:.2f} ms" for e in order
            if "error" not in state[e] and state[e]["round_ms"]), flush=True)
    return state


def compare(got, expected):
    """The largest |engine - ORT| over all outputs, absolute and relative to
    the largest magnitude of ORT's float outputs."""
    scale = max((float(np.abs(v).max()) for v in expected.values()
                 if v.dtype.kind == "f" and v.size), default=1.0) or 1.0
    worst = 0.0
    for name, want in expected.items():
        have = got.get(name)
        if have is None or have.shape != want.shape:
            raise RuntimeError(
                f"output {name}: shape {None if have is None else have.shape}"
                f", ONNX Runtime {want.shape}")
        if want.size:
            worst = max(worst, float(np.abs(have.astype(np.float64) -
                                            want).max()))
    return worst, worst / scale


def check_outputs(args, results):
    """Sets each engine's max error and, for a wrong answer, its error."""
    ort = results.get("ort", {})
    if "outputs" not in ort:
        # Without the reference (ORT not run, or failed) the times stand,
        # marked as unchecked.
        for engine in results:
            if engine != "ort" and "error" not in results[engine]:
                results[engine]["unchecked"] = True
        return
    with np.load(ort["outputs"]) as data:
        expected = {k: data[k] for k in data.files}
    for engine, r in results.items():
        if engine == "ort" or "outputs" not in r:
            continue
        with np.load(r["outputs"]) as data:
            got = {k: data[k] for k in data.files}
        try:
            r["max_abs_err"], r["max_rel_err"] = compare(got, expected)
        except RuntimeError as e:
            r["error"] = f"wrong output: {e}"
            continue
        if not r["max_rel_err"] <= tolerance(args):
            r["error"] = f"wrong output: max rel err {r['max_rel_err']:.1e}"


def benchmark(args, name, source, feed, dims):
    """Compile, time and check one model on every engine; the row of the
    results."""
    row = {"name": name, "engines": {}}
    engines = {e: {} for e in args.engines}
    print(f"== {name}: compiling", flush=True)
    job = {"onnx": source, "threads": args.threads, "warmup": args.warmup,
           "seconds": args.min_time / args.runs, "min_runs": 1,
           "max_runs": max(1, 1000 // args.runs),
           "xfmr_runtime": os.path.join(args.build_dir, "lib",
                                        "libxfmr_runtime.so"),
           "openvino_cache": os.path.join(args.work,
                                          f"openvino-cache-{args.isa}")}
    inputs = os.path.join(args.work, name + ".inputs.npz")
    model = onnx.load(source, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    job["input_names"] = [i.name for i in model.graph.input
                          if i.name not in initializers]
    job["output_names"] = [o.name for o in model.graph.output]
    del model
    np.savez(inputs, **{n: feed[n] for n in job["input_names"]})
    job["inputs"] = inputs

    if "xfmr" in engines:
        job["xfmr_library"] = os.path.join(args.work, name + ".so")
        row["compile"] = compile_xfmr(args, source, job["xfmr_library"], dims)
        if row["compile"]["error"]:
            engines["xfmr"]["error"] = ("compile failed: "
                                        + row["compile"]["error"])
        else:
            print(f"   xfmr compiled in {row['compile']['seconds']:.1f} s, "
                  f"peak {row['compile']['peak_mb']:.0f} MB", flush=True)
    for engine in ("openvino", "iree"):
        missing = [p for p in PACKAGES[engine] if not package_version(p)]
        if engine in engines and missing:
            engines[engine]["error"] = "not installed: " + ", ".join(missing)
    if {"openvino", "iree"} & set(engines) and dims:
        job["static_onnx"] = os.path.join(args.work, name + ".static.onnx")
        try:
            static_model(source, feed, job["static_onnx"])
        except Exception as e:  # noqa: BLE001 -- a row, not a crash
            for engine in ("openvino", "iree"):
                engines.get(engine, {}).setdefault(
                    "error", f"static shapes failed: {first_error_line(str(e))}")
    else:
        job["static_onnx"] = source
    if "iree" in engines and "error" not in engines["iree"]:
        row["iree_compile"] = compile_iree(args, name, job["static_onnx"])
        job["iree_vmfb"] = row["iree_compile"]["vmfb"]
        if row["iree_compile"]["error"]:
            engines["iree"]["error"] = ("compile failed: "
                                        + row["iree_compile"]["error"])
            print(f"   IREE: {engines['iree']['error']}", flush=True)
        else:
            print("   IREE: " + ("the cached .vmfb" if row["iree_compile"]
                                   .get("cached") else "compiled in "
                                   f"{row['iree_compile']['seconds']:.1f} s"),
                  flush=True)

    print("   timing", flush=True)
    results = time_engines(args, name, job,
                           [e for e in engines if "error" not in engines[e]])
    for engine in engines:
        engines[engine].update(results.get(engine, {}))
    check_outputs(args, engines)
    for engine, r in engines.items():
        if "error" in r:  # the work folder's path says nothing in a table
            r["error"] = r["error"].replace(args.work + os.sep, "")
        if r.get("times"):
            r["runs"] = len(r["times"])
            r["ms"] = statistics.median(r["times"]) * 1e3
        r.pop("outputs", None)
        row["engines"][engine] = r
    ok = {e: r["ms"] for e, r in engines.items()
          if "ms" in r and "error" not in r}
    peers = {e: ms for e, ms in ok.items() if e != "xfmr"}
    if "xfmr" in ok and peers:
        row["fastest_peer"] = min(peers, key=peers.get)
        row["ratio"] = ok["xfmr"] / peers[row["fastest_peer"]]
    print("   " + ", ".join(
        f"{LABEL[e]} " + (f"{r['ms']:.2f} ms" if "ms" in r else "–")
        + (f" ({r['error']})" if "error" in r else "")
        for e, r in engines.items())
        + (f"; xfmr / {LABEL[row['fastest_peer']]} {row['ratio']:.2f}"
           if "ratio" in row else ""), flush=True)
    return row


def run_model(args, name, what):
    stem = os.path.join(args.models, f"{name}.{EXPORTER}")
    if not os.path.exists(stem + ".onnx"):
        print(f"== {name}: {stem}.onnx is missing", flush=True)
        return {"name": name, "what": what, "engines": {},
                "error": "not exported (test/models/export_models.py --bench)"}
    with open(stem + ".json") as f:
        spec = json.load(f)
    rng = np.random.default_rng(0)
    feed = {i["name"]: draw_input(i, spec["example_dims"], rng)
            for i in spec["inputs"]}
    # Every named dim of the graph's inputs, bound to the example's size
    # (this includes dims the JSON does not list, like total_sequence).
    dims = {}
    for i in spec["inputs"]:
        for d, size in zip(i.get("onnx_shape", []), i["example_shape"]):
            if isinstance(d, str):
                dims[d] = size
    row = benchmark(args, name, stem + ".onnx", feed, dims)
    row.update(what=what, parameters=spec.get("parameters"),
               description=spec["description"], dims=dims)
    return row


def gemm_model(m, k, n, path):
    rng = np.random.default_rng(0)
    weight = (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "gemm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, m, k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, m, n])],
        initializer=[numpy_helper.from_array(weight, "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def run_gemm(args, m, k, n, where):
    name = gemm_name(m, k, n)
    path = os.path.join(args.work, name + ".onnx")
    gemm_model(m, k, n, path)
    x = np.random.default_rng(1).standard_normal((1, m, k)).astype(np.float32)
    row = benchmark(args, name, path, {"x": x}, {})
    row.update(m=m, k=k, n=n, where=where, gflop=2.0 * m * k * n / 1e9)
    for r in row["engines"].values():
        if "ms" in r:
            r["gflops"] = row["gflop"] / (r["ms"] / 1e3)
    return row


# --------------------------------------------------------------------------
# The machine, the reports and the charts.
# --------------------------------------------------------------------------

def command_output(command):
    try:
        return subprocess.run(command, capture_output=True, text=True,
                              cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def package_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return ""


def cpu_model_name():
    """lscpu's model name (which knows names /proc/cpuinfo lacks on some
    CPUs), else /proc/cpuinfo's."""
    text = command_output(["lscpu"])
    found = re.search(r"^Model name:\s*(.*)$", text, re.M)
    if not found:
        with open("/proc/cpuinfo") as f:
            found = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
    return found.group(1).strip() if found else platform.processor()


def machine_info(args):
    info = {"cores": os.cpu_count(), "threads": args.threads,
            "kernel": platform.release(), "mcpu": args.mcpu, "isa": args.isa}
    with open("/proc/cpuinfo") as f:
        cpuinfo = f.read()
    family = re.search(r"^cpu family\s*:\s*(\d+)$", cpuinfo, re.M)
    number = re.search(r"^model\s*:\s*(\d+)$", cpuinfo, re.M)
    info["cpu_model"] = cpu_model_name()
    info["cpu"] = info["cpu_model"] + (
        f" (family {family.group(1)}, model {number.group(1)})"
        if family and number else "")
    info["flags"] = sorted(f for f in cpu_flags()
                           if re.match(r"(avx|fma|amx)", f))
    with open("/proc/meminfo") as f:
        total = re.search(r"^MemTotal:\s*(\d+) kB", f.read(), re.M)
    info["memory_gib"] = int(total.group(1)) / 2**20 if total else None
    commit = command_output(["git", "rev-parse", "--short", "HEAD"])
    # The pages this script writes do not count as changes to xfmr.
    dirty = command_output(["git", "status", "--porcelain", "--untracked-files=no",
                            "--", ".", ":!docs/benchmarks*"])
    info["xfmr_commit"] = commit + (" (with uncommitted changes)" if dirty else "")
    for package in ("onnxruntime", "openvino", "iree-base-compiler",
                    "iree-base-runtime", "onnx", "transformers"):
        info[package] = package_version(package)
    info["numpy"] = np.__version__
    info["python"] = platform.python_version()
    version = command_output([args.cc, "--version"])
    info["cc"] = version.splitlines()[0] if version else args.cc
    producers = set()
    for name, _ in MODELS:
        path = os.path.join(args.models, f"{name}.{EXPORTER}.json")
        if os.path.exists(path):
            with open(path) as f:
                producers.add(json.load(f)["producer"])
    info["exporter"] = ", ".join(sorted(producers))
    return info


def fmt(value, spec, missing="–"):
    return missing if value is None else format(value, spec)


def fused_text(fused):
    return ", ".join(f"{k} {v}" for k, v in fused.items()) or "none"


def cell(text):
    return shorten(text).replace("|", "\\|")


def time_cell(row, engine, spec):
    """An engine's median ms, or why there is none (or why it must not be
    read: a wrong answer)."""
    r = row["engines"].get(engine)
    if r is None:
        return "not run"
    if "error" in r:
        return "wrong" if r["error"].startswith("wrong") else "failed"
    return fmt(r.get("ms"), spec)


def check_cell(row, engine):
    """An engine's correctness: ok with its max relative error, reference
    (ORT), or what went wrong, first error line included."""
    r = row["engines"].get(engine)
    if r is None:
        return "not run"
    if "error" in r:
        return cell(r["error"])
    if engine == "ort":
        return "reference"
    if r.get("unchecked"):
        return "unchecked (no ORT reference)"
    return f"ok ({fmt(r.get('max_rel_err'), '.1e')})"


def ratio_cell(row):
    if "ratio" not in row:
        return "–"
    return f"{row['ratio']:.2f} ({LABEL[row['fastest_peer']]})"


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else None


def usable_peak(info, peak):
    """The peak of the threads the engines ran on."""
    if not peak:
        return None
    return (peak["all_core"] if info["threads"] >= peak["threads"]
            else peak["per_core"] * info["threads"])


def report_page(args, isa):
    return f"benchmarks-{isa}.md"


def write_report(args, info, peak, rows, started, finished):
    models = [r for r in rows if "m" not in r]
    gemms = [r for r in rows if "m" in r]
    isa = ISA_NAME[args.isa]
    summary = {
        "isa": args.isa, "mcpu": args.mcpu, "cpu": info["cpu"],
        "date": finished["date"], "commit": info["xfmr_commit"],
        "threads": info["threads"], "command": args.command_line,
        "models": geomean([r.get("ratio") for r in models]),
        "gemms": geomean([r.get("ratio") for r in gemms]),
        "rows": {r["name"]: r.get("ratio") for r in rows}}
    flags = " ".join(args.compile_flag)
    lines = [
        f"<!-- xfmr-bench-summary {json.dumps(summary)} -->",
        f"# Benchmarks ({isa}): xfmr against ONNX Runtime, OpenVINO and IREE",
        "",
        "Generated by `make bench` (`bench/run_benchmarks.py`); do not edit, "
        "regenerate (the command is at the end). The models are exported by "
        "`test/models/export_models.py --bench` from configs with random "
        "weights (see the README's Benchmarks section). "
        "[All reports](benchmarks.md).",
        "",
        "## Machine and software",
        "",
        f"- CPU: **{info['cpu']}**, {info['cores']} cores, "
        f"{fmt(info['memory_gib'], '.0f')} GiB; flags: {' '.join(info['flags'])}",
        f"- ISA measured: **{isa}** — xfmr compiled with "
        f"`--mcpu={args.mcpu}`; IREE with `--iree-llvmcpu-target-cpu="
        f"{iree_target_cpu(args)}`; ONNX Runtime and OpenVINO choose "
        "their kernels from the CPU they run on (the ISAs in its flags)",
    ]
    if peak:
        lines.append(
            f"- Peak FP32 FMA rate of {isa}, measured in this run by "
            f"`bench/peak_fma.c` (`{peak['command']}`: 12 independent "
            f"{512 if peak['isa'] == 'avx512' else 256}-bit FMA chains per "
            f"thread, best of 200 short timings): **{peak['per_core']:.0f} GFLOP/s per core, "
            f"{peak['all_core']:.0f} GFLOP/s on all {peak['threads']} "
            "cores**")
    else:
        lines.append(f"- Peak FP32 FMA rate of {isa}: not measured (this CPU "
                     "lacks it)")
    lines += [
        f"- Load average (1 min) at the start and the end: "
        f"{started['load']:.2f} and {finished['load']:.2f}. Each engine runs "
        "in a process of its own (`bench/engine_worker.py`), the engines "
        "taking turns in rounds whose order rotates, loading and compiling "
        "outside the timing; the medians over all rounds are reported, so "
        "that the load of a shared machine hits all engines alike.",
        f"- xfmr commit {info['xfmr_commit']}, compiled with `xfmr-compile "
        f"--mcpu={args.mcpu}`{(' ' + flags) if flags else ''}, symbolic dims "
        "bound with `--dim`; run through `libxfmr_runtime` (ctypes) with "
        f"OMP_NUM_THREADS = {info['threads']}",
        f"- ONNX Runtime {info['onnxruntime'] or '?'} (CPUExecutionProvider, "
        f"ORT_ENABLE_ALL, intra_op_num_threads = {info['threads']}), on the "
        "model as exported",
        f"- OpenVINO {info['openvino'] or '(not installed)'} (CPU plugin, "
        f"INFERENCE_PRECISION_HINT=f32, INFERENCE_NUM_THREADS = "
        f"{info['threads']}, PERFORMANCE_HINT=LATENCY), on the model with "
        "static dims (its shapes inferred and its shape arithmetic folded "
        "with onnx's shape inference and reference evaluator)",
        f"- IREE {info['iree-base-compiler'] or '(not installed)'} "
        f"(runtime {info['iree-base-runtime'] or '?'}): `iree-import-onnx` "
        "of the same model with static dims, `iree-compile "
        "--iree-hal-target-device=local "
        "--iree-hal-local-target-device-backends=llvm-cpu "
        f"--iree-llvmcpu-target-cpu={iree_target_cpu(args)}`, run on the "
        f"local-task driver with --task_topology_max_group_count="
        f"{info['threads']}",
        f"- onnx {info['onnx']}, numpy {info['numpy']}, Python "
        f"{info['python']}, Linux {info['kernel']}; models exported by "
        f"{info['exporter'] or '?'}"
        + (f", transformers {info['transformers']}"
           if info.get("transformers") else "")
        + f" (TorchScript exporter, opset 17); peak probe built with "
        f"{info['cc']}",
        f"- {args.runs} rounds; in each, every engine's worker runs "
        f"{args.warmup} warm-up runs, then as many timed runs as fit in "
        f"{args.min_time / args.runs:.2g} s (at least one); "
        f"{started['date']} to {finished['date']} (UTC)",
        "",
    ]
    engine_heads = " | ".join(f"{LABEL[e]} ms" for e in ENGINES)
    check_heads = " | ".join(LABEL[e] for e in ENGINES)
    if models:
        lines += [
            "## Models",
            "",
            "Times are medians in ms; xfmr / fastest peer below 1: xfmr is "
            "faster than every peer that gave the right answer. The "
            "correctness columns compare each engine's outputs with ONNX "
            "Runtime's: the largest |engine − ORT| relative to ORT's largest "
            f"output magnitude (above {tolerance(args):g}: wrong output, and "
            "the time is not shown), or why the engine has no time. "
            "Compile: wall time and peak RSS of `xfmr-compile`.",
            "",
            f"| model | what | {engine_heads} | xfmr / fastest peer | "
            f"{check_heads} | xfmr compile s | compile peak MB | fused blocks |",
            "|---|---|" + "---:|" * (len(ENGINES) + 1) + "---|" * len(ENGINES)
            + "---:|---:|---|",
        ]
        for r in models:
            params = (f" ({r['parameters'] / 1e6:.1f}M parameters)"
                      if r.get("parameters") else "")
            c = r.get("compile") or {"seconds": None, "peak_mb": None,
                                     "fused": {}}
            if "error" in r and not r["engines"]:
                lines.append(f"| {r['name']} | {r['what']}{params} | "
                             f"{cell(r['error'])} |" + " |" * 11)
                continue
            lines.append(
                f"| {r['name']} | {r['what']}{params} | "
                + " | ".join(time_cell(r, e, ".2f") for e in ENGINES)
                + f" | {ratio_cell(r)} | "
                + " | ".join(check_cell(r, e) for e in ENGINES)
                + f" | {fmt(c['seconds'], '.1f')} | {fmt(c['peak_mb'], '.0f')}"
                f" | {fused_text(c['fused'])} |")
        lines += ["", "Compile commands (from the repository root):", ""]
        for r in models:
            if r.get("compile"):
                lines.append(f"- `{r['compile']['command']}`")
            if r.get("iree_compile"):
                lines.append(f"- `{r['iree_compile']['command']}`")
        lines.append("")
    if gemms:
        top = usable_peak(info, peak)
        peak_text = (f"% of the {isa} peak of the threads used "
                     f"({top:.0f} GFLOP/s; one core: {peak['per_core']:.0f}, "
                     f"all cores: {peak['all_core']:.0f})" if peak else
                     f"no {isa} peak (not measured)")

        def gflops_cell(r, engine):
            e = r["engines"].get(engine, {})
            if "gflops" not in e or "error" in e:
                return "–"
            pct = f" ({100 * e['gflops'] / top:.0f}%)" if top else ""
            return f"{e['gflops']:.0f}{pct}"

        lines += [
            "## GEMMs",
            "",
            "One MatMul, x [1, M, K] times a constant W [K, N], the shapes of "
            "the models above. GFLOP/s = 2·M·K·N / median time, and in "
            f"brackets {peak_text}. Correctness as above.",
            "",
            f"| M×K×N | in | {engine_heads} | xfmr / fastest peer | "
            + " | ".join(f"{LABEL[e]} GFLOP/s" for e in ENGINES)
            + f" | {check_heads} |",
            "|---|---|" + "---:|" * (2 * len(ENGINES) + 1)
            + "---|" * len(ENGINES),
        ]
        for r in gemms:
            lines.append(
                f"| {r['m']}×{r['k']}×{r['n']} | {r['where']} | "
                + " | ".join(time_cell(r, e, ".3f") for e in ENGINES)
                + f" | {ratio_cell(r)} | "
                + " | ".join(gflops_cell(r, e) for e in ENGINES) + " | "
                + " | ".join(check_cell(r, e) for e in ENGINES) + " |")
        lines.append("")
    lines += [
        f"![xfmr / each peer, {isa}](benchmarks-{args.isa}.png)",
        "",
        "## Reproducing",
        "",
        "From the repository root (`make bench` creates the Python "
        "environment, builds xfmr and exports the models first):",
        "",
        "```sh",
        f"make bench BENCH_ARGS='{' '.join(args.make_argv)}'"
        if args.make_argv else "make bench",
        "```",
        "",
        f"This run: `{args.command_line}`.",
        "",
    ]
    with open(os.path.join(args.docs, report_page(args, args.isa)), "w") as f:
        f.write("\n".join(lines))


def write_index(args):
    """docs/benchmarks.md: the per-ISA reports in docs/, each with the
    machine, date and summary it carries, so that regenerating one report
    leaves the others' lines as they were."""
    entries = []
    for isa in ISA_NAME:
        page = os.path.join(args.docs, report_page(args, isa))
        if not os.path.exists(page):
            continue
        with open(page) as f:
            found = re.match(r"<!-- xfmr-bench-summary (.*) -->", f.readline())
        if found:
            entries.append(json.loads(found.group(1)))
    lines = [
        "# Benchmarks: xfmr against ONNX Runtime, OpenVINO and IREE",
        "",
        "Generated by `make bench` (`bench/run_benchmarks.py`) from the "
        "reports beside it; do not edit. Each report measures one ISA: the "
        "AVX-512 one xfmr's code for an AVX-512 CPU (`--mcpu` native or "
        "x86-64-v4), the AVX2 one its AVX2 code (`--mcpu x86-64-v3`), on "
        "the machine it names. A run rewrites its own ISA's report and this "
        "index, not the other report.",
        "",
        "| ISA | report | machine | measured (UTC) | xfmr commit | threads | "
        "xfmr / fastest peer, models (geomean) | GEMMs (geomean) |",
        "|---|---|---|---|---|---:|---:|---:|",
    ]
    for e in entries:
        lines.append(
            f"| {ISA_NAME[e['isa']]} (`--mcpu {e['mcpu']}`) | "
            f"[benchmarks-{e['isa']}.md](benchmarks-{e['isa']}.md) | "
            f"{e['cpu']} | {e['date']} | {e['commit']} | {e['threads']} | "
            f"{fmt(e['models'], '.2f')} | {fmt(e['gemms'], '.2f')} |")
    if not entries:
        lines.append("| – | no report yet | | | | | | |")
    lines += ["", "Per model, xfmr / fastest peer (below 1: xfmr is faster):",
              ""]
    names = [n for n, _ in MODELS] + [gemm_name(*g[:3]) for g in GEMMS]
    shown = [n for n in names if any(n in e["rows"] for e in entries)]
    if entries and shown:
        lines += ["| model | " + " | ".join(ISA_NAME[e["isa"]]
                                            for e in entries) + " |",
                  "|---|" + "---:|" * len(entries)]
        for n in shown:
            lines.append(f"| {n} | " + " | ".join(
                fmt(e["rows"].get(n), ".2f") for e in entries) + " |")
        lines.append("")
    lines += [
        "Regenerate (each report also gives the exact command of its run):",
        "",
        "```sh",
        "make bench                                  # this machine's ISA "
        "(AVX-512 where it has it)",
        "make bench BENCH_ARGS='--mcpu x86-64-v3'    # the AVX2 code path",
        "```",
        "",
    ]
    with open(os.path.join(args.docs, "benchmarks.md"), "w") as f:
        f.write("\n".join(lines))


def write_chart(args, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    colors = {"ort": "#4c72b0", "openvino": "#55a868", "iree": "#c44e52"}
    groups = [("Models", [r for r in rows if "m" not in r]),
              ("GEMMs (M×K×N)", [r for r in rows if "m" in r])]
    groups = [g for g in groups if g[1]]
    fig, axes = plt.subplots(
        1, len(groups), figsize=(6.5 * len(groups), 5), squeeze=False,
        gridspec_kw={"width_ratios": [max(len(g[1]), 3) for g in groups]})
    width = 0.8 / len(PEERS)
    for ax, (title, group) in zip(axes[0], groups):
        ratios = {}
        for r in group:
            x = r["engines"].get("xfmr", {})
            for p in PEERS:
                e = r["engines"].get(p, {})
                ok = "ms" in x and "error" not in x and "ms" in e \
                    and "error" not in e
                ratios[r["name"], p] = x["ms"] / e["ms"] if ok else None
        values = [v for v in ratios.values() if v]
        top = max(values + [1.0]) * 1.2
        bottom = min(values + [1.0])
        log = top / bottom > 10
        bottom = bottom / 1.5 if log else 0
        for j, p in enumerate(PEERS):
            xs = [i + (j - (len(PEERS) - 1) / 2) * width
                  for i in range(len(group))]
            heights = [ratios[r["name"], p] or 0 for r in group]
            ax.bar(xs, heights, width, label=f"xfmr / {LABEL[p]}",
                   color=colors[p])
            for x, r in zip(xs, group):
                v = ratios[r["name"], p]
                e = r["engines"].get(p, {})
                mine = r["engines"].get("xfmr", {})
                if "error" in mine or "ms" not in mine:
                    if j == len(PEERS) // 2:  # once, in the middle
                        ax.text(x, (bottom if log else 0) * 1.03
                                + (0 if log else top * 0.01),
                                "xfmr failed", ha="center", va="bottom",
                                fontsize=7, rotation=90)
                    continue
                text = (f"{v:.2f}" if v else
                        "wrong" if e.get("error", "").startswith("wrong")
                        else "×")
                y = v or (bottom if log else 0)
                ax.text(x, y * 1.03 if log else y + top * 0.01, text,
                        ha="center", va="bottom", fontsize=6, rotation=90)
        ax.axhline(1.0, color="black", linewidth=1, linestyle="--")
        ax.set_xticks(range(len(group)),
                      [r["name"].removeprefix("gemm-") for r in group],
                      rotation=30, ha="right", fontsize=8)
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            top *= 1.5
        ax.set_ylim(bottom, top)
        ax.set_title(title)
        ax.set_ylabel("xfmr time / peer time (lower is better)"
                      + (", log scale" if log else ""))
        ax.legend(fontsize=8)
    fig.suptitle(f"xfmr / each peer, {ISA_NAME[args.isa]} (--mcpu "
                 f"{args.mcpu}), median latency; × = peer failed")
    fig.tight_layout()
    fig.savefig(os.path.join(args.docs, f"benchmarks-{args.isa}.png"), dpi=100)
    plt.close(fig)


def snapshot():
    return {"load": os.getloadavg()[0],
            "date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                        help="the xfmr build (bin/xfmr-compile, lib/)")
    parser.add_argument("--models", help="the exported models "
                        "(default: BUILD_DIR/bench/models)")
    parser.add_argument("--work", help="compiled models, logs, results.json "
                        "(default: BUILD_DIR/bench/work)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="models, `gemm`, or gemm-MxKxN")
    parser.add_argument("--engines", nargs="+", choices=ENGINES,
                        default=ENGINES, help="the engines to run (default: "
                        "all; ORT's outputs are the reference of the others)")
    parser.add_argument("--runs", type=int, default=5,
                        help="rounds: worker processes of each engine, taking "
                        "turns (default 5)")
    parser.add_argument("--warmup", type=int, default=2,
                        help="untimed runs at the start of each worker")
    parser.add_argument("--min-time", type=float, default=3.0,
                        help="seconds of timing of each engine in all, split "
                        "over the rounds: fast models get more runs "
                        "(default 3)")
    parser.add_argument("--mcpu", default="native",
                        help="xfmr-compile's --mcpu (and IREE's target CPU); "
                        "its ISA, AVX-512 or AVX2, names the report "
                        "(default native)")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"),
                        help="where the reports and charts go")
    parser.add_argument("--cc", default="clang-22",
                        help="compiler of the peak FMA probe")
    parser.add_argument("--compile-flag", action="append", default=[],
                        help="an extra xfmr-compile flag (repeatable)")
    parser.add_argument("--compile-timeout", type=float, default=3600)
    parser.add_argument("--worker-timeout", type=float, default=1800,
                        help="seconds one worker may take, loading included")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads of every engine: xfmr's "
                        "OMP_NUM_THREADS, ORT's intra-op threads, OpenVINO's "
                        "INFERENCE_NUM_THREADS, IREE's task topology "
                        "(default: every core)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    # The options of this run that `make bench` does not set itself.
    args.make_argv, skip = [], False
    for a in sys.argv[1:]:
        if skip or a.split("=")[0] in MAKE_SETS:
            skip = "=" not in a and not skip
            continue
        args.make_argv.append(a if " " not in a else repr(a))
    args.command_line = "python3 bench/run_benchmarks.py " + " ".join(
        a if " " not in a else repr(a) for a in sys.argv[1:])
    args.build_dir = os.path.abspath(args.build_dir)
    args.models = args.models or os.path.join(args.build_dir, "bench", "models")
    args.work = args.work or os.path.join(args.build_dir, "bench", "work")
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.docs, exist_ok=True)
    args.isa = isa_of(args.mcpu, args.cc)
    if args.isa is None:
        parser.error(f"--mcpu {args.mcpu}: neither AVX-512 nor AVX2 (or a CPU "
                     f"{args.cc} does not know)")
    if "ort" not in args.engines:
        print("note: without ort no engine's outputs can be checked",
              flush=True)

    def selected(name):
        return not args.only or name in args.only or (
            name.startswith("gemm-") and "gemm" in args.only)

    known = [n for n, _ in MODELS] + [gemm_name(*g[:3]) for g in GEMMS] + ["gemm"]
    unknown = [n for n in args.only or [] if n not in known]
    if unknown:
        parser.error(f"unknown --only {' '.join(unknown)}; known: {' '.join(known)}")

    started = snapshot()
    info = machine_info(args)
    print(f"{info['cpu']}; measuring {ISA_NAME[args.isa]} (--mcpu "
          f"{args.mcpu}), {args.threads} threads", flush=True)
    peak = measure_peak(args.cc, args.work, args.isa)
    if peak:
        print(f"peak FP32 FMA ({ISA_NAME[args.isa]}): {peak['per_core']:.0f} "
              f"GFLOP/s per core, {peak['all_core']:.0f} GFLOP/s on "
              f"{peak['threads']} cores", flush=True)
    else:
        print(f"this CPU cannot run {ISA_NAME[args.isa]}; no peak", flush=True)
    rows = []
    for name, what in MODELS:
        if selected(name):
            rows.append(run_model(args, name, what))
            gc.collect()
    for m, k, n, where in GEMMS:
        if selected(gemm_name(m, k, n)):
            rows.append(run_gemm(args, m, k, n, where))
            gc.collect()
    finished = snapshot()

    results = {"machine": info, "peak": peak, "started": started,
               "finished": finished, "runs": args.runs, "rows": rows}
    for path in (f"results-{args.isa}.json", "results.json"):
        with open(os.path.join(args.work, path), "w") as f:
            json.dump(results, f, indent=1)
    write_report(args, info, peak, rows, started, finished)
    write_chart(args, rows)
    write_index(args)
    page = os.path.join(args.docs, report_page(args, args.isa))
    failed = [(r["name"], e, v["error"]) for r in rows
              for e, v in r["engines"].items() if "error" in v]
    failed += [(r["name"], "-", r["error"]) for r in rows if "error" in r]
    print(f"wrote {page}, benchmarks-{args.isa}.png and benchmarks.md; "
          f"{len(rows)} rows, {len(failed)} failures")
    for name, engine, error in failed:
        print(f"  {name} {LABEL.get(engine, '')}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
