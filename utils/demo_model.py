#!/usr/bin/env python3
"""Compiles a bundled model, runs it, and checks it against ONNX Runtime.

Draws inputs as the model's JSON says, runs ONNX Runtime and the model
compiled by xfmr-compile (through xfmr-run) on them, prints the largest
error of each output and both latencies (median of --runs runs each, the two
alternated in rounds so that machine noise hits both alike).

Usage: demo_model.py BUILD_DIR MODEL.onnx [--runs N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "e2e"))
from model_tests import draw_input, save_arrays  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("model")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import onnxruntime as ort
    with open(os.path.splitext(args.model)[0] + ".json") as f:
        spec = json.load(f)
    dims = spec["example_dims"]
    rng = np.random.default_rng(0)
    inputs = {i["name"]: draw_input(i, dims, rng) for i in spec["inputs"]}
    compile_tool = os.path.join(args.build, "bin", "xfmr-compile")
    run_tool = os.path.join(args.build, "bin", "xfmr-run")

    with tempfile.TemporaryDirectory() as work:
        library = os.path.join(work, "model.so")
        dim_args = [f"--dim={k}={v}" for k, v in dims.items()]
        command = [compile_tool, args.model, "-o", library, *dim_args]
        print("$ " + " ".join(command))
        start = time.monotonic()
        subprocess.run(command, check=True)
        print(f"compiled in {time.monotonic() - start:.2f} s "
              f"({os.path.getsize(library) / 1e6:.1f} MB)")

        options = ort.SessionOptions()
        options.graph_optimization_level = \
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = os.cpu_count() or 1
        session = ort.InferenceSession(args.model, options,
                                       providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        expected = dict(zip(names, session.run(names, inputs)))
        input_paths = save_arrays(os.path.join(work, "inputs"), inputs)
        save_arrays(os.path.join(work, "expected"), expected)

        run = [run_tool, library, "--expected", os.path.join(work, "expected"),
               "--rtol", "1e-4", "--atol", "1e-4"]
        for name, path in input_paths.items():
            run += ["--input", f"{name}={path}"]
        print("$ " + " ".join(run))
        checked = subprocess.run(run, capture_output=True, text=True)
        print(checked.stdout.rstrip())
        if checked.returncode:
            print(checked.stderr.rstrip())
            return 1

        # Alternate the two in rounds; each round times a few runs of each.
        xfmr_ms, ort_ms = [], []
        rounds = 5
        per_round = max(1, args.runs // rounds)
        for _ in range(rounds):
            timed = subprocess.run(run[:2] + run[8:] +
                                   ["--benchmark", str(per_round)],
                                   capture_output=True, text=True, check=True)
            xfmr_ms.append(float(timed.stdout.strip().splitlines()[-1]
                                 .split()[1]))
            session.run(names, inputs)  # warm-up, as xfmr-run does
            times = []
            for _ in range(per_round):
                start = time.perf_counter()
                session.run(names, inputs)
                times.append((time.perf_counter() - start) * 1e3)
            ort_ms.append(float(np.median(times)))
        xfmr_median = float(np.median(xfmr_ms))
        ort_median = float(np.median(ort_ms))
        print(f"latency, median over {rounds} alternating rounds of "
              f"{per_round} runs: "
              f"xfmr {xfmr_median:.3f} ms, ONNX Runtime {ort_median:.3f} ms "
              f"(xfmr / ONNX Runtime = {xfmr_median / ort_median:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
