#!/usr/bin/env python3
"""xfmr against ONNX Runtime on quantized models (int8 dynamic and int4).

Both engines run the same quantized ONNX file: ORT's own quantizers make
it, xfmr compiles it. The models:

  * the quantized test models of test/models (bert-int8 and bert-int4: a
    2-layer BERT of hidden 64, batch 2, sequence 16);
  * a stack of 4 feed-forward blocks of LLaMA-100M's widths (x + W2 ·
    relu(W1 · x), 768 -> 2048 -> 768, random f32 weights, 25 MB), made
    here and quantized with quantize_dynamic (int8) and MatMulNBitsQuantizer
    (int4, blocks of 32 with zero points), run on one row (a decode step's
    GEMV, bound by reading the weights) and on 128 rows (a prefill);
  * one linear layer of 768 -> 3072 on 128 rows quantized with
    quantize_dynamic, the GEMM alone: its line also gives each engine's
    rate in GOP/s (2 M N K integer operations per run).

Each engine runs in a process of its own (bench/engine_worker.py), the
engines alternating for --runs rounds; a time is the median of all runs.
xfmr's models are compiled beforehand with --mcpu (default native).
Prints a Markdown table.

Usage: quantized_bench.py [--build-dir build] [--work DIR] [--threads 2]
                          [--runs 5] [--mcpu native] [--only NAME]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "engine_worker.py")
HIDDEN, FFN, BLOCKS = 768, 2048, 4


def ffn_stack(path, rows):
    rng = np.random.default_rng(0)
    nodes, inits, x = [], [], "x"
    for i in range(BLOCKS):
        w1 = (rng.standard_normal((HIDDEN, FFN)) / np.sqrt(HIDDEN))
        w2 = (rng.standard_normal((FFN, HIDDEN)) / np.sqrt(FFN))
        inits += [numpy_helper.from_array(w1.astype(np.float32), f"w1_{i}"),
                  numpy_helper.from_array(w2.astype(np.float32), f"w2_{i}")]
        nodes += [helper.make_node("MatMul", [x, f"w1_{i}"], [f"h{i}"]),
                  helper.make_node("Relu", [f"h{i}"], [f"r{i}"]),
                  helper.make_node("MatMul", [f"r{i}", f"w2_{i}"], [f"d{i}"]),
                  helper.make_node("Add", [x, f"d{i}"], [f"x{i}"])]
        x = f"x{i}"
    nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(
        nodes, "ffn_stack",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, HIDDEN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, HIDDEN])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


GEMM_ROWS, GEMM_K, GEMM_N = 128, 768, 3072


def single_linear(path):
    rng = np.random.default_rng(2)
    w = (rng.standard_normal((GEMM_K, GEMM_N)) / np.sqrt(GEMM_K))
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [GEMM_ROWS, GEMM_K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [GEMM_ROWS, GEMM_N])],
        [numpy_helper.from_array(w.astype(np.float32), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def quantize(source, form, path):
    if form == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantize_dynamic(source, path, weight_type=QuantType.QInt8)
    else:
        from onnxruntime.quantization.matmul_nbits_quantizer import \
            MatMulNBitsQuantizer
        q = MatMulNBitsQuantizer(onnx.load(source), block_size=32,
                                 is_symmetric=False)
        q.process()
        onnx.save(q.model.model, path)


def models(work, only=""):
    """(name, onnx path, feed, --dim flags) of each benchmark."""
    out = []
    rng = np.random.default_rng(1)
    tests = os.path.join(ROOT, "test", "models")
    ids = rng.integers(0, 1000, size=(2, 16)).astype(np.int64)
    for form in ("int8", "int4"):
        out.append((f"bert-{form} 2x16", os.path.join(
            tests, f"bert-{form}.dynamo.onnx"),
            {"input_ids": ids, "attention_mask": np.ones_like(ids)},
            ["--dim=batch=2", "--dim=sequence=16"]))
    for rows in (1, 128):
        source = os.path.join(work, f"ffn-{rows}.onnx")
        if not os.path.exists(source):
            ffn_stack(source, rows)
        x = rng.standard_normal((rows, HIDDEN)).astype(np.float32)
        for form in ("int8", "int4"):
            name = f"ffn-stack-{form} {rows}x768"
            path = os.path.join(work, f"ffn-{rows}-{form}.onnx")
            if only in name and not os.path.exists(path):
                quantize(source, form, path)
            out.append((name, path, {"x": x}, []))
    source = os.path.join(work, "linear.onnx")
    path = os.path.join(work, "linear-int8.onnx")
    if not os.path.exists(path):
        single_linear(source)
        quantize(source, "int8", path)
    x = rng.standard_normal((GEMM_ROWS, GEMM_K)).astype(np.float32)
    out.append((f"gemm-int8 {GEMM_ROWS}x{GEMM_K}x{GEMM_N}", path, {"x": x},
                []))
    return out


def run_worker(args, engine, job_path, tag):
    result = f"{job_path}.{engine}.{tag}.json"
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    subprocess.run([sys.executable, WORKER, engine, job_path, result],
                   env=env, capture_output=True)
    if not os.path.exists(result):
        return {"error": "crashed"}
    with open(result) as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--work")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=2.0)
    parser.add_argument("--mcpu", default="native")
    parser.add_argument("--only", default="",
                        help="only the benchmarks whose name contains this")
    args = parser.parse_args()
    args.work = args.work or os.path.join(args.build_dir, "bench",
                                          "quantized")
    os.makedirs(args.work, exist_ok=True)
    print(f"| model | xfmr (ms) | ORT (ms) | xfmr / ORT |\n|---|---:|---:|---:|")
    for name, path, feed, dims in models(args.work, args.only):
        if args.only not in name:
            continue
        stem = os.path.join(args.work, name.replace(" ", "-"))
        library = f"{stem}-{args.mcpu}.so"
        compiled = subprocess.run(
            [os.path.join(args.build_dir, "bin", "xfmr-compile"), path, "-o",
             library, f"--mcpu={args.mcpu}", *dims],
            capture_output=True, text=True)
        if compiled.returncode:
            print(f"| {name} | compile failed | | |")
            continue
        np.savez(stem + ".inputs.npz", **feed)
        job = {"onnx": path, "threads": args.threads, "warmup": 3,
               "seconds": args.min_time / args.runs, "min_runs": 5,
               "max_runs": 2000, "inputs": stem + ".inputs.npz",
               "input_names": list(feed), "output_names": [
                   o.name for o in onnx.load(path).graph.output],
               "xfmr_runtime": os.path.join(args.build_dir, "lib",
                                            "libxfmr_runtime.so"),
               "xfmr_library": library}
        job_path = stem + ".job.json"
        with open(job_path, "w") as f:
            json.dump(job, f)
        times = {"xfmr": [], "ort": []}
        for r in range(args.runs):
            for engine in (("xfmr", "ort") if r % 2 == 0 else ("ort", "xfmr")):
                result = run_worker(args, engine, job_path, r)
                times[engine] += result.get("times", [])
        ms = {e: statistics.median(t) * 1e3 if t else float("nan")
              for e, t in times.items()}
        rates = ""
        if name.startswith("gemm"):
            ops = 2 * GEMM_ROWS * GEMM_K * GEMM_N
            rates = (f" (GOP/s: xfmr {ops / ms['xfmr'] / 1e6:.0f}, "
                     f"ORT {ops / ms['ort'] / 1e6:.0f})")
        print(f"| {name}{rates} | {ms['xfmr']:.3f} | {ms['ort']:.3f} | "
              f"{ms['xfmr'] / ms['ort']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
