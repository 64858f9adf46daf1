#!/usr/bin/env python3
"""xfmr against ONNX Runtime on transformer models and their GEMMs.

For each benchmark model (exported by `test/models/export_models.py --bench`
to BUILD/bench/models) the script:

  1. compiles it with xfmr-compile, its symbolic dims bound with --dim to the
     sizes of the JSON's example shapes, recording the compile's wall time
     and peak resident set size (a failed compile is reported in the table
     and the suite goes on);
  2. loads the compiled model in this process (bench/xfmr_runtime.py, ctypes
     on libxfmr_runtime) and an ONNX Runtime session of the same .onnx
     (CPUExecutionProvider, ORT_ENABLE_ALL, intra_op_num_threads = cores);
  3. runs both on the same inputs (drawn as the JSON says, fixed seed) and
     compares every output, so that a wrong answer cannot pass as fast;
  4. after warm-up runs, times the two alternately in blocks of runs (xfmr
     then ORT, then ORT then xfmr, ...), so that the load of this shared
     machine hits both alike, with a pause before each block so that the
     other's idle threads have stopped spinning, and reports the medians
     and their ratio.

The same is done for single-MatMul models of the GEMM shapes of these models
(x [1, M, K] times a constant W [K, N]), reported in GFLOP/s against this
machine's peak FP32 FMA rate, measured in the same run by bench/peak_fma.c
(compiled here with clang).

It writes docs/benchmarks.md (machine, versions, tables), docs/benchmarks.png
(the ratios) and BUILD/bench/results.json (every timing).

Usage: run_benchmarks.py [--build-dir build] [--only NAME ...] [--runs 10]
                         [--warmup 2] [--docs docs] [--compile-flag FLAG ...]
NAME is a model (bert-base, gpt2-small, gpt2-small-decode, llama-100m,
vit-base), `gemm` for all GEMMs, or one GEMM (gemm-128x768x768).
"""

import argparse
import datetime
import gc
import importlib.metadata
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))
from model_tests import draw_input, parse_fusion_report  # noqa: E402
from xfmr_runtime import Runtime  # noqa: E402

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

# An output matches ORT when its largest error, relative to the largest
# magnitude of ORT's outputs, is at most this.
RELATIVE_TOLERANCE = 1e-3
# With --precision=bf16 the matmuls round weights and activations to 8
# significant bits (the test models stay below 5e-3).
BF16_RELATIVE_TOLERANCE = 2e-2


def tolerance(args):
    """The mismatch threshold for the compile flags in use."""
    return (BF16_RELATIVE_TOLERANCE if "--precision=bf16" in args.compile_flag
            else RELATIVE_TOLERANCE)


def gemm_name(m, k, n):
    return f"gemm-{m}x{k}x{n}"


# --------------------------------------------------------------------------
# Building, compiling and running.
# --------------------------------------------------------------------------

def measure_peak(cc, work):
    """Per-core and all-core peak FP32 FMA GFLOP/s from bench/peak_fma.c."""
    binary = os.path.join(work, "peak_fma")
    flags = ["-O2", "-mavx512f", "-pthread"]
    subprocess.run([cc, *flags, os.path.join(HERE, "peak_fma.c"), "-o", binary],
                   check=True)
    out = subprocess.run([binary], check=True, capture_output=True,
                         text=True).stdout
    values = dict(re.findall(r"^(\S+) GFLOP/s ([0-9.]+)$", out, re.M))
    threads = int(re.search(r"^threads (\d+)$", out, re.M).group(1))
    return {"per_core": float(values["per-core"]),
            "all_core": float(values["all-core"]), "threads": threads,
            "command": f"{cc} {' '.join(flags)} bench/peak_fma.c"}


# Runs a command and prints its exit status and peak RSS (KiB). A child
# exec'd straight from this process would report at least this process's
# RSS (Linux carries the largest RSS across fork and exec), which holds the
# models loaded so far; the child of this small helper starts from the
# helper's.
_PEAK_RSS_HELPER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def compile_model(args, source, library, dims):
    """Runs xfmr-compile; returns wall seconds, peak RSS (MB), the fusion
    report and the error (None when it succeeded)."""
    command = [os.path.join(args.build_dir, "bin", "xfmr-compile"), source,
               "-o", library, "--fusion-report",
               *[f"--dim={k}={v}" for k, v in dims.items()],
               *args.compile_flag]
    log = library + ".log"
    result = {"command": " ".join(
        os.path.relpath(c, ROOT) if c.startswith(ROOT + os.sep) else c
        for c in command)}
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
        # The first error line, else the first line outside the fusion
        # report (the report's lines are indented).
        lines = [line.strip() for line in text.splitlines()
                 if line.strip() and not line.startswith((" ", "fusion report"))]
        why = why or next((line for line in lines if "error" in line.lower()),
                          lines[0] if lines else "no message")
        result["error"] = f"exit status {status}: {why}"
    return result


# Longer than libomp's default KMP_BLOCKTIME (200 ms), after which idle
# OpenMP threads stop spinning.
THREAD_SLEEP_SECONDS = 0.25


def ort_session(path, threads):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.log_severity_level = 3
    return ort.InferenceSession(path, options,
                                providers=["CPUExecutionProvider"])


def compare(got, expected):
    """The largest |xfmr - ORT| over all outputs, absolute and relative to
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


def time_alternating(xfmr, session, feed, runs, warmup, min_seconds):
    """Per-run seconds of xfmr and ORT, alternated in blocks: each round
    runs a block of one, then a block of the other, the one that goes first
    swapping every round. Both keep their worker threads spinning for a
    while after a run (libomp 200 ms, ONNX Runtime's pool too), and a
    spinning thread of one takes a core from the other: each block starts
    after a pause long enough for the other's threads to go to sleep. At
    least `runs` rounds; fast models get longer blocks, up to `min_seconds`
    of timing in all (estimated from the warm-up), for more samples."""
    def run_ort():
        session.run(None, feed)

    for _ in range(max(warmup, 1)):
        start = time.perf_counter()
        xfmr.run()
        run_ort()
    round_seconds = time.perf_counter() - start
    samples = max(runs, min(1000, int(min_seconds / max(round_seconds, 1e-6))))
    block = max(1, samples // runs)
    times = {"xfmr": [], "ort": []}
    order = [("xfmr", xfmr.run), ("ort", run_ort)]
    for i in range(runs):
        for key, fn in (order if i % 2 == 0 else order[::-1]):
            time.sleep(THREAD_SLEEP_SECONDS)
            for _ in range(block):
                start = time.perf_counter()
                fn()
                times[key].append(time.perf_counter() - start)
    return times


def benchmark(args, runtime, name, source, feed, dims):
    """Compile, check and time one model; the row of the results."""
    row = {"name": name}
    library = os.path.join(args.work, name + ".so")
    print(f"== {name}: compiling", flush=True)
    row["compile"] = compile_model(args, source, library, dims)
    session = ort_session(source, args.threads)
    names = [o.name for o in session.get_outputs()]
    expected = dict(zip(names, session.run(names, feed)))
    if row["compile"]["error"]:
        print(f"   compile FAILED: {row['compile']['error']}", flush=True)
        row["error"] = "compile failed: " + row["compile"]["error"]
        times = [0.0] * (args.runs + args.warmup)
        for i in range(len(times)):
            start = time.perf_counter()
            session.run(None, feed)
            times[i] = time.perf_counter() - start
        row["ort_ms"] = statistics.median(times[args.warmup:]) * 1e3
        return row
    print(f"   compiled in {row['compile']['seconds']:.1f} s, peak "
          f"{row['compile']['peak_mb']:.0f} MB; checking and timing",
          flush=True)
    model = runtime.load(library)
    try:
        model.bind(feed)
        row["max_abs_err"], row["max_rel_err"] = compare(model.outputs(),
                                                         expected)
        if not row["max_rel_err"] <= tolerance(args):
            row["error"] = (f"mismatch: max rel error {row['max_rel_err']:.2e}"
                            f" > {tolerance(args)}")
        times = time_alternating(model, session, feed, args.runs, args.warmup,
                                 args.min_time)
    except Exception as e:  # a run that fails is a result too
        row["error"] = f"run failed: {e}"
        return row
    finally:
        model.close()
    row["times"] = times
    row["runs"] = len(times["xfmr"])
    row["xfmr_ms"] = statistics.median(times["xfmr"]) * 1e3
    row["ort_ms"] = statistics.median(times["ort"]) * 1e3
    row["ratio"] = row["xfmr_ms"] / row["ort_ms"]
    print(f"   xfmr {row['xfmr_ms']:.2f} ms, ORT {row['ort_ms']:.2f} ms, "
          f"ratio {row['ratio']:.2f}, max rel error {row['max_rel_err']:.1e}"
          + (f"  ({row['error']})" if "error" in row else ""), flush=True)
    return row


def run_model(args, runtime, name, what):
    stem = os.path.join(args.models, f"{name}.{EXPORTER}")
    if not os.path.exists(stem + ".onnx"):
        print(f"== {name}: {stem}.onnx is missing", flush=True)
        return {"name": name, "what": what, "compile": None,
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
    row = benchmark(args, runtime, name, stem + ".onnx", feed, dims)
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


def run_gemm(args, runtime, m, k, n, where):
    name = gemm_name(m, k, n)
    path = os.path.join(args.work, name + ".onnx")
    gemm_model(m, k, n, path)
    x = np.random.default_rng(1).standard_normal((1, m, k)).astype(np.float32)
    row = benchmark(args, runtime, name, path, {"x": x}, {})
    row.update(m=m, k=k, n=n, where=where, gflop=2.0 * m * k * n / 1e9)
    for key in ("xfmr", "ort"):
        if f"{key}_ms" in row:
            row[f"{key}_gflops"] = row["gflop"] / (row[f"{key}_ms"] / 1e3)
    return row


# --------------------------------------------------------------------------
# The machine, the report and the chart.
# --------------------------------------------------------------------------

def command_output(command):
    try:
        return subprocess.run(command, capture_output=True, text=True,
                              cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def machine_info(args):
    info = {"cores": os.cpu_count(), "threads": args.threads,
            "kernel": platform.release()}
    cpuinfo = open("/proc/cpuinfo").read()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.M)
    family = re.search(r"^cpu family\s*:\s*(\d+)$", cpuinfo, re.M)
    number = re.search(r"^model\s*:\s*(\d+)$", cpuinfo, re.M)
    info["cpu"] = (model.group(1) if model else platform.processor()) + (
        f" (family {family.group(1)}, model {number.group(1)})"
        if family and number else "")
    flags = re.search(r"^flags\s*:\s*(.*)$", cpuinfo, re.M)
    info["flags"] = sorted(f for f in (flags.group(1).split() if flags else [])
                           if re.match(r"(avx|fma|amx)", f))
    meminfo = open("/proc/meminfo").read()
    total = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    info["memory_gib"] = int(total.group(1)) / 2**20 if total else None
    commit = command_output(["git", "rev-parse", "--short", "HEAD"])
    # The pages this script writes do not count as changes to xfmr.
    dirty = command_output(["git", "status", "--porcelain", "--untracked-files=no",
                            "--", ".", ":!docs/benchmarks.md",
                            ":!docs/benchmarks.png"])
    info["xfmr_commit"] = commit + (" (with uncommitted changes)" if dirty else "")
    info["onnxruntime"] = ort.__version__
    info["onnx"] = onnx.__version__
    info["numpy"] = np.__version__
    info["python"] = platform.python_version()
    info["cc"] = command_output([args.cc, "--version"]).splitlines()[0] \
        if command_output([args.cc, "--version"]) else args.cc
    producers = set()
    for name, _ in MODELS:
        path = os.path.join(args.models, f"{name}.{EXPORTER}.json")
        if os.path.exists(path):
            with open(path) as f:
                producers.add(json.load(f)["producer"])
    info["exporter"] = ", ".join(sorted(producers))
    try:
        info["transformers"] = importlib.metadata.version("transformers")
    except importlib.metadata.PackageNotFoundError:
        pass
    return info


def fmt(value, spec, missing="–"):
    return missing if value is None else format(value, spec)


def fused_text(fused):
    return ", ".join(f"{k} {v}" for k, v in fused.items()) or "none"


def status_text(row):
    return row.get("error", "ok").replace("|", "\\|")


def write_report(args, info, peak, rows, started, finished):
    models = [r for r in rows if "m" not in r]
    gemms = [r for r in rows if "m" in r]
    cpu = info["cpu"]
    lines = [
        "# Benchmarks: xfmr against ONNX Runtime",
        "",
        "Generated by `make bench` (`bench/run_benchmarks.py`); do not edit, "
        "regenerate. The models are exported by "
        "`test/models/export_models.py --bench` from configs with random "
        "weights (see the README's Benchmarks section).",
        "",
        "## Machine and software",
        "",
        f"- CPU: {cpu}, {info['cores']} cores, "
        f"{fmt(info['memory_gib'], '.0f')} GiB; flags: {' '.join(info['flags'])}",
        f"- Peak FP32 FMA rate, measured in this run by `bench/peak_fma.c` "
        f"(`{peak['command']}`: 12 independent AVX-512 FMA chains per "
        f"thread, best of 200 short timings): **{peak['per_core']:.0f} GFLOP/s "
        f"per core, {peak['all_core']:.0f} GFLOP/s on all {peak['threads']} "
        f"cores**",
        f"- Load average (1 min) at the start and the end: "
        f"{started['load']:.2f} and {finished['load']:.2f}. The machine is "
        "shared, so timings are noisy: each row alternates blocks of xfmr "
        "and ONNX Runtime runs in one process (a 0.25 s pause before each "
        "block lets the other's worker threads stop spinning) and reports "
        "medians, so the ratio is the number to read.",
        f"- xfmr commit {info['xfmr_commit']}, compiled with `xfmr-compile` "
        f"defaults{(' and ' + ' '.join(args.compile_flag)) if args.compile_flag else ''}"
        ", symbolic dims bound with `--dim`; run in-process through "
        "`libxfmr_runtime` (ctypes)",
        f"- ONNX Runtime {info['onnxruntime']} (CPUExecutionProvider, "
        f"ORT_ENABLE_ALL, intra_op_num_threads = {info['threads']}); xfmr "
        f"with OMP_NUM_THREADS = {info['threads']}; "
        f"onnx {info['onnx']}, numpy {info['numpy']}, Python "
        f"{info['python']}, Linux {info['kernel']}",
        f"- Models exported by {info['exporter'] or '?'}"
        + (f", transformers {info['transformers']}"
           if "transformers" in info else "")
        + f" (TorchScript exporter, opset 17); peak probe built with "
        f"{info['cc']}",
        f"- At least {args.runs} timed runs of each (fast ones: as many as "
        f"fit in {args.min_time:g} s) after {args.warmup} warm-up runs; "
        f"{started['date']} to {finished['date']} (UTC)",
        "",
    ]
    if models:
        lines += [
            "## Models",
            "",
            "Times are medians in ms; ratio = xfmr / ONNX Runtime (below 1: "
            "xfmr is faster). Max error: the largest |xfmr − ORT| over all "
            "outputs, and relative to ORT's largest output magnitude "
            f"(a mismatch above {tolerance(args):g} is flagged). Compile: "
            "wall time and peak RSS of `xfmr-compile`.",
            "",
            "| model | what | xfmr ms | ORT ms | xfmr / ORT | runs | max error "
            "(rel) | compile s | compile peak MB | fused blocks | status |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for r in models:
            params = (f" ({r['parameters'] / 1e6:.1f}M parameters)"
                      if r.get("parameters") else "")
            c = r["compile"] or {"seconds": None, "peak_mb": None, "fused": {}}
            error = ("–" if "max_abs_err" not in r else
                     f"{r['max_abs_err']:.1e} ({r['max_rel_err']:.1e})")
            lines.append(
                f"| {r['name']} | {r['what']}{params} | "
                f"{fmt(r.get('xfmr_ms'), '.2f')} | {fmt(r.get('ort_ms'), '.2f')} | "
                f"{fmt(r.get('ratio'), '.2f')} | {r.get('runs', '–')} | {error} | "
                f"{fmt(c['seconds'], '.1f')} | "
                f"{fmt(c['peak_mb'], '.0f')} | {fused_text(c['fused'])} | "
                f"{status_text(r)} |")
        lines += ["", "Compile commands (from the repository root):", ""]
        lines += [f"- `{r['compile']['command']}`" for r in models
                  if r["compile"]]
        lines.append("")
    if gemms:
        # The peak of the threads both sides ran on.
        usable_peak = (peak["all_core"] if info["threads"] >= peak["threads"]
                       else peak["per_core"] * info["threads"])
        lines += [
            "## GEMMs",
            "",
            "One MatMul, x [1, M, K] times a constant W [K, N], the shapes of "
            "the models above. GFLOP/s = 2·M·K·N / median time; % of the "
            f"peak of the threads used ({usable_peak:.0f} GFLOP/s; one core: "
            f"{peak['per_core']:.0f}, all cores: {peak['all_core']:.0f}).",
            "",
            "| M×K×N | in | xfmr ms | ORT ms | xfmr / ORT | runs | xfmr GFLOP/s | "
            "ORT GFLOP/s | xfmr % peak | ORT % peak | max rel error | status |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in gemms:
            pct = {k: (None if f"{k}_gflops" not in r else
                       100 * r[f"{k}_gflops"] / usable_peak)
                   for k in ("xfmr", "ort")}
            lines.append(
                f"| {r['m']}×{r['k']}×{r['n']} | {r['where']} | "
                f"{fmt(r.get('xfmr_ms'), '.3f')} | {fmt(r.get('ort_ms'), '.3f')} | "
                f"{fmt(r.get('ratio'), '.2f')} | {r.get('runs', '–')} | "
                f"{fmt(r.get('xfmr_gflops'), '.1f')} | "
                f"{fmt(r.get('ort_gflops'), '.1f')} | {fmt(pct['xfmr'], '.1f')} | "
                f"{fmt(pct['ort'], '.1f')} | {fmt(r.get('max_rel_err'), '.1e')} | "
                f"{status_text(r)} |")
        lines.append("")
    lines += [
        "![xfmr / ONNX Runtime](benchmarks.png)",
        "",
        "## Reproducing",
        "",
        "```sh",
        "make bench                      # venv, build, export, run, write this page",
        "make bench BENCH_ARGS='--only bert-base gemm --runs 20'",
        "```",
        "",
        f"This run: `{args.command_line}`.",
        "",
    ]
    with open(os.path.join(args.docs, "benchmarks.md"), "w") as f:
        f.write("\n".join(lines))


def write_chart(args, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    groups = [("Models", [r for r in rows if "m" not in r]),
              ("GEMMs (M×K×N)", [r for r in rows if "m" in r])]
    groups = [g for g in groups if g[1]]
    fig, axes = plt.subplots(
        1, len(groups), figsize=(6 * len(groups), 4.8), squeeze=False,
        gridspec_kw={"width_ratios": [max(len(g[1]), 3) for g in groups]})
    for ax, (title, group) in zip(axes[0], groups):
        labels = [r["name"].removeprefix("gemm-") for r in group]
        ratios = [r.get("ratio") for r in group]
        top = max([v for v in ratios if v] + [1.0]) * 1.15
        bottom = min([v for v in ratios if v] + [1.0])
        # A log scale once the ratios span more than a factor of 10.
        log = top / bottom > 10
        bottom = bottom / 1.5 if log else 0
        bars = ax.bar(range(len(group)), [v or 0 for v in ratios],
                      color=["#4c72b0" if v and v <= 1 else "#dd8452"
                             for v in ratios])
        for bar, r in zip(bars, group):
            text = f"{r['ratio']:.2f}" if r.get("ratio") else "failed"
            if "error" in r and r.get("ratio"):
                text += "\n(mismatch)"
            y = r.get("ratio") or bottom
            ax.text(bar.get_x() + bar.get_width() / 2,
                    y * 1.03 if log else y + top * 0.01, text, ha="center",
                    va="bottom", fontsize=8)
        ax.axhline(1.0, color="black", linewidth=1, linestyle="--")
        ax.set_xticks(range(len(group)), labels, rotation=30, ha="right",
                      fontsize=8)
        if log:
            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(
                matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            top *= 1.5
        ax.set_ylim(bottom, top)
        ax.set_title(title)
        ax.set_ylabel("xfmr time / ORT time (lower is better)"
                      + (", log scale" if log else ""))
    fig.suptitle("xfmr / ONNX Runtime, median latency, same-run alternation")
    fig.tight_layout()
    fig.savefig(os.path.join(args.docs, "benchmarks.png"), dpi=100)
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
    parser.add_argument("--runs", type=int, default=10,
                        help="timed runs of each (default 10)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--min-time", type=float, default=3.0,
                        help="fast models get more runs, up to this many "
                        "seconds of timing (default 3)")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"),
                        help="where benchmarks.md and .png go")
    parser.add_argument("--cc", default="clang-22",
                        help="compiler of the peak FMA probe")
    parser.add_argument("--compile-flag", action="append", default=[],
                        help="an extra xfmr-compile flag (repeatable)")
    parser.add_argument("--compile-timeout", type=float, default=3600)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads of both: ORT's intra-op threads and "
                        "xfmr's OMP_NUM_THREADS (default: every core)")
    args = parser.parse_args()
    # Read by libomp when the first model runs.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    args.command_line = "python3 bench/run_benchmarks.py " + " ".join(
        a if " " not in a else repr(a) for a in sys.argv[1:])
    args.build_dir = os.path.abspath(args.build_dir)
    args.models = args.models or os.path.join(args.build_dir, "bench", "models")
    args.work = args.work or os.path.join(args.build_dir, "bench", "work")
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.docs, exist_ok=True)

    def selected(name):
        return not args.only or name in args.only or (
            name.startswith("gemm-") and "gemm" in args.only)

    known = [n for n, _ in MODELS] + [gemm_name(*g[:3]) for g in GEMMS] + ["gemm"]
    unknown = [n for n in args.only or [] if n not in known]
    if unknown:
        parser.error(f"unknown --only {' '.join(unknown)}; known: {' '.join(known)}")

    started = snapshot()
    info = machine_info(args)
    peak = measure_peak(args.cc, args.work)
    print(f"peak FP32 FMA: {peak['per_core']:.0f} GFLOP/s per core, "
          f"{peak['all_core']:.0f} GFLOP/s on {peak['threads']} cores",
          flush=True)
    runtime = Runtime(os.path.join(args.build_dir, "lib", "libxfmr_runtime.so"))
    rows = []
    for name, what in MODELS:
        if selected(name):
            rows.append(run_model(args, runtime, name, what))
            gc.collect()
    for m, k, n, where in GEMMS:
        if selected(gemm_name(m, k, n)):
            rows.append(run_gemm(args, runtime, m, k, n, where))
            gc.collect()
    finished = snapshot()

    with open(os.path.join(args.work, "results.json"), "w") as f:
        json.dump({"machine": info, "peak": peak, "started": started,
                   "finished": finished, "runs": args.runs, "rows": rows},
                  f, indent=1)
    write_report(args, info, peak, rows, started, finished)
    write_chart(args, rows)
    failed = [r for r in rows if "error" in r]
    print(f"wrote {os.path.join(args.docs, 'benchmarks.md')} and benchmarks.png; "
          f"{len(rows) - len(failed)} of {len(rows)} rows ok")
    for r in failed:
        print(f"  {r['name']}: {r['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
