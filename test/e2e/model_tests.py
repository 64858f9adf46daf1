#!/usr/bin/env python3
"""Compiles every model in test/models and compares it with ONNX Runtime.

For each model, the JSON beside it gives the example dims and how to draw
inputs. The script draws inputs (fixed seed), runs the model in ONNX Runtime,
compiles it with `xfmr-compile` three times (dims bound with --dim, dims left
dynamic, and the graph as ONNX Runtime's extended optimizations rewrite it,
dims bound; Pre-LN models a fourth time with --pre-rmsnorm; and, on a CPU
with AVX512-BF16, with --precision=bf16 and dims bound, against a bf16
tolerance; and on a CPU with AVX-512, for AVX2 with --mcpu=x86-64-v3 and
dims bound, so that both code paths run on every test machine; BERT and
GPT-2 also with --quantize=int4 and --quantize=int8, against the
quantization's tolerance), runs each with `xfmr-run --expected`, and fails when any output's
relative error (|xfmr - ort| / max(|ort|)) exceeds the tolerance, or when the
fusion report does not account for the model's blocks: the JSON's
`fused_blocks` (every attention, MLP and norm of the model) must each be
fused, or, for the blocks the JSON's `not_fused_yet` names (in every
mode; `not_fused_yet_by_mode` in one), reported as not fused with a reason; a block neither fused nor reported fails the test. It
prints one line per model and compile mode: compile time, the fused blocks
and the largest error. all-MiniLM-L6-v2 (real weights) is checked too, in
f32 and bf16, where `make demo` has exported it (--demo, by default
BUILD_DIR/demo); otherwise a line says it is skipped.

Usage: model_tests.py --compile build/bin/xfmr-compile --run build/bin/xfmr-run
                      --work DIR [--models test/models] [--filter NAME]
                      [--demo DIR] [--report FILE]
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys
import time

import numpy as np

RELATIVE_TOLERANCE = 1e-4
# --precision=bf16 rounds the weights and activations of matmuls to 8
# significant bits (relative error 2^-9 per operand); over the layers of the
# test models that stays below 1e-2 of the outputs' scale (measured: at most
# about 4e-3).
BF16_RELATIVE_TOLERANCE = 2e-2
# Pre-LN transformers, also compiled with --pre-rmsnorm (their LayerNorms
# become RMSNorms over a recentred residual stream, which must not change
# the outputs beyond rounding).
PRE_LN_MODELS = ("gpt2.", "gpt2-decode.")
# f32 models also compiled with --quantize=int4 and --quantize=int8 (their
# matmul weights quantized at compile time), against ONNX Runtime running
# the f32 model: the tolerance is the quantization's accuracy cost. Measured
# (relative to the outputs' largest magnitude; docs/quantization.md): int4
# 3.9e-3 on BERT and 5.6e-2 on GPT-2's logits, int8 5.4e-4 and 7.9e-3;
# the tolerances leave about 2x of that.
QUANTIZE_MODELS = ("bert.", "gpt2.")
QUANTIZED_TOLERANCE = {"int4": 1e-1, "int8": 2e-2}
DTYPES = {"float32": np.float32, "int64": np.int64, "int32": np.int32,
          "bool": np.bool_}


def draw_input(spec, dims, rng):
    shape = spec["example_shape"]
    r = spec["range"]
    dtype = DTYPES[spec["dtype"]]
    if r["kind"] == "integer_uniform":
        return rng.integers(r["low"], r["high"], size=shape).astype(dtype)
    if r["kind"] == "ones":
        return np.ones(shape, dtype=dtype)
    if r["kind"] == "uniform":
        return rng.uniform(r["low"], r["high"], size=shape).astype(dtype)
    if r["kind"] == "normal":
        return rng.normal(r["mean"], r["std"], size=shape).astype(dtype)
    raise ValueError(f"unknown input range kind {r['kind']}")


def run_onnxruntime(model_path, inputs):
    import onnxruntime as ort
    session = ort.InferenceSession(model_path,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, inputs)))


def optimize_with_onnxruntime(model_path, work):
    """The model as ONNX Runtime's extended graph optimizations leave it
    (its com.microsoft fused ops included): the form of a model that was
    optimized by ONNX Runtime before it reaches xfmr."""
    import onnxruntime

    path = os.path.join(work, "ort-optimized.onnx")
    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = \
        onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = path
    onnxruntime.InferenceSession(model_path, options,
                                 providers=["CPUExecutionProvider"])
    return path


def save_arrays(folder, arrays):
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for name, value in arrays.items():
        path = os.path.join(folder, name.replace("/", "_") + ".npy")
        np.save(path, value)
        paths[name] = path
    return paths


def cpu_has(flag):
    """Whether this machine's CPU has `flag` (/proc/cpuinfo's name)."""
    try:
        with open("/proc/cpuinfo") as f:
            return f" {flag}" in f.read()
    except OSError:
        return False


def has_avx512_bf16():
    """Whether this machine's CPU has AVX512-BF16 (--precision=bf16)."""
    return cpu_has("avx512_bf16")


def check_model(args, json_path):
    with open(json_path) as f:
        spec = json.load(f)
    return check_spec(args, spec,
                      os.path.join(os.path.dirname(json_path), spec["model"]))


def check_spec(args, spec, model_path):
    name = os.path.splitext(spec["model"])[0]
    work = os.path.join(args.work, name)
    rng = np.random.default_rng(0)
    dims = spec["example_dims"]
    inputs = {i["name"]: draw_input(i, dims, rng) for i in spec["inputs"]}
    expected = run_onnxruntime(model_path, inputs)
    input_paths = save_arrays(os.path.join(work, "inputs"), inputs)
    save_arrays(os.path.join(work, "expected"), expected)
    # The relative error is taken against each output's largest magnitude;
    # xfmr-run's elementwise test is |a - e| <= atol + rtol |e|, so atol
    # carries the scale.
    scale = max(float(np.abs(v).max()) for v in expected.values()
                if v.dtype.kind == "f" and v.size)

    results = []
    bound = [f"--dim={k}={v}" for k, v in dims.items()]
    modes = {"static": (model_path, bound), "dynamic": (model_path, []),
             "ort-opt": (optimize_with_onnxruntime(model_path, work), bound)}
    if name.startswith(PRE_LN_MODELS):
        modes["pre-rms"] = (model_path, bound + ["--pre-rmsnorm"])
    if args.bf16:
        modes["bf16"] = (model_path, bound + ["--precision=bf16"])
    if name.startswith(QUANTIZE_MODELS):
        for form in QUANTIZED_TOLERANCE:
            modes[form] = (model_path, bound + [f"--quantize={form}"])
    if cpu_has("avx512f"):
        # Native code is AVX-512 here: the AVX2 code path too.
        modes["avx2"] = (model_path, bound + ["--mcpu=x86-64-v3"])
    if "modes" in spec:
        modes = {k: v for k, v in modes.items() if k in spec["modes"]}
    for mode, (source, dim_args) in modes.items():
        library = os.path.join(work, f"{mode}.so")
        start = time.monotonic()
        compiled = subprocess.run(
            [args.compile, source, "-o", library, "--fusion-report",
             *dim_args],
            capture_output=True, text=True)
        seconds = time.monotonic() - start
        if compiled.returncode:
            results.append((mode, seconds, "", None, "compile: " +
                            (compiled.stderr.strip().splitlines() or ["?"])[0]))
            continue
        with open(os.path.join(work, f"{mode}-fusion.txt"), "w") as f:
            f.write(compiled.stderr)
        expected_blocks = spec.get("fused_blocks", {})
        not_fused_yet = {**spec.get("not_fused_yet", {}),
                         **spec.get("not_fused_yet_by_mode", {}).get(mode, {})}
        if mode in QUANTIZED_TOLERANCE:
            # Quantized projections are not xfmr.linear/xfmr.mlp operands.
            expected_blocks = {k: v for k, v in expected_blocks.items()
                               if k not in ("mlp", "linear")}
        if mode == "pre-rms":
            # Every LayerNorm of a Pre-LN model becomes an RMSNorm.
            expected_blocks = {("rms_norm" if k == "layer_norm" else k): v
                               for k, v in expected_blocks.items()}
        counts, _ = parse_fusion_report(compiled.stderr)
        fused = ", ".join(f"{kind} {counts.get(kind, (0, 0))[0]}/{want}"
                          for kind, want in expected_blocks.items())
        unfused = check_fusion(compiled.stderr, expected_blocks,
                               not_fused_yet)
        if unfused:
            results.append((mode, seconds, fused, None, unfused))
            continue
        out_dir = os.path.join(work, f"{mode}-outputs")
        # A quantized model's JSON states the tolerance of its form (see
        # test/models/quantize_models.py).
        tolerance = (BF16_RELATIVE_TOLERANCE if mode == "bf16"
                     else QUANTIZED_TOLERANCE[mode]
                     if mode in QUANTIZED_TOLERANCE
                     else max(RELATIVE_TOLERANCE,
                              spec.get("tolerance", RELATIVE_TOLERANCE)))
        command = [args.run, library, "--output-dir", out_dir, "--expected",
                   os.path.join(work, "expected"),
                   "--rtol", "0", "--atol", repr(tolerance * scale)]
        for input_name, path in input_paths.items():
            command += ["--input", f"{input_name}={path}"]
        ran = subprocess.run(command, capture_output=True, text=True)
        error = max_relative_error(out_dir, expected, scale)
        why = None if ran.returncode == 0 else (
            (ran.stderr.strip() or ran.stdout.strip()).splitlines() or ["?"])[-1]
        results.append((mode, seconds, fused, error, why))
    return name, results


# all-MiniLM-L6-v2 with its trained weights (real weight distributions, not
# an export test's random ones), where `make demo` has exported it (to
# BUILD_DIR/demo); only in f32 and bf16 with dims bound, since the other
# modes are those of BERT in test/models.
MINILM_SPEC = {
    "model": "all-MiniLM-L6-v2.onnx",
    "example_dims": {"batch": 2, "sequence": 16},
    "inputs": [
        {"name": "input_ids", "dtype": "int64", "example_shape": [2, 16],
         "range": {"kind": "integer_uniform", "low": 1000, "high": 30000}},
        {"name": "attention_mask", "dtype": "int64", "example_shape": [2, 16],
         "range": {"kind": "ones"}},
        {"name": "token_type_ids", "dtype": "int64", "example_shape": [2, 16],
         "range": {"kind": "integer_uniform", "low": 0, "high": 1}},
    ],
    "fused_blocks": {"attention": 6, "mlp": 6, "layer_norm": 13},
    "modes": ["static", "bf16"],
}


def parse_fusion_report(text):
    """The fused and not-fused counts by kind, and the not-fused lines, of an
    `xfmr-compile --fusion-report` table."""
    counts, missed, in_missed = {}, [], False
    for line in text.splitlines():
        if line.startswith("not fused:"):
            in_missed = True
            continue
        if in_missed and line.startswith("  "):
            missed.append(line.strip())
            continue
        match = re.match(r"^  (\w+)\s+(\d+)\s+(\d+)", line)
        if match:
            counts[match.group(1)] = (int(match.group(2)),
                                      int(match.group(3)))
    return counts, missed


def check_fusion(report, expected, not_fused_yet=None):
    """Why the fusion report falls short of the model's blocks, if it does.
    Of the `want` blocks of each kind of the JSON's `fused_blocks`, all but
    the `not_fused_yet` ones must be fused, and fused plus reported misses
    must be exactly `want`: a block that neither fuses nor has a `not fused`
    line is a silent miss."""
    counts, missed = parse_fusion_report(report)
    not_fused_yet = not_fused_yet or {}
    for kind, want in expected.items():
        fused, reported = counts.get(kind, (0, 0))
        why = next((m for m in missed if m.startswith(kind)), "")
        if fused + reported != want:
            return (f"fusion report: {fused} fused and {reported} reported "
                    f"as not fused of {want} {kind} blocks" +
                    (f"; not fused: {why}" if why else ""))
        if fused != want - not_fused_yet.get(kind, 0):
            return (f"fusion: {fused} of {want} {kind} blocks fused" +
                    (f"; not fused: {why}" if why else ""))
    return None


def max_relative_error(out_dir, expected, scale):
    """The largest |xfmr - ort| over all outputs, relative to `scale`."""
    worst = None
    for name, value in expected.items():
        path = os.path.join(out_dir, name.replace("/", "_") + ".npy")
        if not os.path.exists(path):
            return None
        got = np.load(path)
        if got.shape != value.shape:
            return None
        error = float(np.abs(got.astype(np.float64) - value).max()) / scale \
            if value.size else 0.0
        worst = error if worst is None else max(worst, error)
    return worst


def first_line(text, last=False):
    lines = text.strip().splitlines() or ["?"]
    return lines[-1] if last else lines[0]


def compile_and_compare(args, work, model_path, feeds, expected, scale, atol,
                        modes, check_compiled=None):
    """Compiles one single-case model per mode and runs it against expected.

    Saves `feeds` and `expected` (name -> array) under `work`, compiles
    `model_path` once per entry of `modes` (name -> xfmr-compile flags),
    runs each library with `xfmr-run --expected --atol atol`, and returns
    (mode, largest error relative to `scale` or None, failure or None) per
    mode. `check_compiled`, given the compiler's stderr, may name a reason
    to fail a mode that compiled (e.g. a block that did not fuse)."""
    os.makedirs(os.path.join(work, "expected"), exist_ok=True)
    save_arrays(os.path.join(work, "expected"), expected)
    feed_args = []
    for name, path in save_arrays(work, feeds).items():
        feed_args += ["--input", f"{name}={path}"]
    results = []
    for mode, flags in modes.items():
        library = os.path.join(work, f"{mode}.so")
        compiled = subprocess.run([args.compile, model_path, "-o", library,
                                   *flags], capture_output=True, text=True)
        if compiled.returncode:
            results.append((mode, None,
                            "compile: " + first_line(compiled.stderr)))
            continue
        why = check_compiled(compiled.stderr) if check_compiled else None
        if why:
            results.append((mode, None, why))
            continue
        out_dir = os.path.join(work, f"{mode}-outputs")
        ran = subprocess.run(
            [args.run, library, *feed_args, "--output-dir", out_dir,
             "--expected", os.path.join(work, "expected"), "--rtol", "0",
             "--atol", repr(atol)],
            capture_output=True, text=True)
        error = max_relative_error(out_dir, expected, scale)
        why = None if ran.returncode == 0 else first_line(
            ran.stderr or ran.stdout, last=True)
        results.append((mode, error, why))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--models",
                        default=os.path.join(os.path.dirname(__file__),
                                             "..", "models"))
    parser.add_argument("--filter", default="")
    parser.add_argument("--demo",
                        help="the folder of `make demo`'s MiniLM export "
                             "(default: demo/ beside the bin/ of --compile)")
    parser.add_argument("--report")
    parser.add_argument("--bf16", choices=("auto", "on", "off"),
                        default="auto",
                        help="also compile with --precision=bf16 (auto: "
                             "where the CPU has AVX512-BF16)")
    args = parser.parse_args()
    args.bf16 = args.bf16 == "on" or (args.bf16 == "auto" and
                                      has_avx512_bf16())

    demo = args.demo or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(args.compile))),
        "demo")
    checks = [(os.path.basename(p), lambda p=p: check_model(args, p))
              for p in sorted(glob.glob(os.path.join(args.models, "*.json")))]
    minilm = os.path.join(demo, MINILM_SPEC["model"])
    if not os.path.exists(minilm):
        if args.filter in MINILM_SPEC["model"]:
            print(f"skip {MINILM_SPEC['model']}: no {minilm} (`make demo` "
                  "exports it)")
    else:
        checks.append((MINILM_SPEC["model"],
                       lambda: check_spec(args, MINILM_SPEC, minilm)))

    failed = 0
    rows = []
    for label, check in checks:
        if args.filter not in label:
            continue
        name, results = check()
        for mode, seconds, fused, error, why in results:
            status = "ok" if why is None else "FAIL"
            failed += why is not None
            shown = "-" if error is None else f"{error:.2e}"
            print(f"{status:4} {name:28} {mode:8} compile {seconds:6.2f} s  "
                  f"max rel error {shown}  fused {fused or '-'}" +
                  (f"  ({why})" if why else ""))
            rows.append((name, mode, seconds, fused, shown, why))
    if args.report:
        with open(args.report, "w") as f:
            f.write("# The test models against ONNX Runtime\n\n"
                    "Generated by `check-xfmr-models-vs-ort` "
                    "(test/e2e/model_tests.py). Each model of test/models is "
                    "compiled with its dims bound (static), left symbolic "
                    "(dynamic), and as ONNX Runtime's extended graph "
                    "optimizations rewrite it (ort-opt, dims bound), and for "
                    "Pre-LN models with `--pre-rmsnorm` (pre-rms), and on "
                    "CPUs with AVX512-BF16 with `--precision=bf16` (bf16, "
                    f"tolerance {BF16_RELATIVE_TOLERANCE:g} instead of "
                    f"{RELATIVE_TOLERANCE:g}), and on CPUs with AVX-512 for "
                    "AVX2 (`--mcpu=x86-64-v3`, avx2, dims bound); "
                    "all-MiniLM-L6-v2, where `make demo` exported it, in "
                    "static and bf16 only. Fused "
                    "blocks: fused / present in the model, from "
                    "`xfmr-compile --fusion-report`.\n\n")
            f.write("| model | dims | compile (s) | fused blocks | max rel "
                    "error vs ONNX Runtime | result |\n"
                    "|---|---|---:|---|---:|---|\n")
            for name, mode, seconds, fused, shown, why in rows:
                f.write(f"| {name} | {mode} | {seconds:.2f} | {fused} | "
                        f"{shown} | {'ok' if why is None else why} |\n")
    print(f"{len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
