#!/usr/bin/env python3
"""The cost of Model.run over the runtime's C API, in µs per call.

    python bench/python_overhead.py [--runs 20000]

A small model (y = relu(x + b), x of 1x64 f32) is compiled; Model.run is
timed in a loop, and the same .so is timed by `xfmr-run --benchmark`, which
calls xfmr_model_run from C++. The difference is the Python layer's cost.
"""

import argparse
import os
import re
import subprocess
import tempfile
import time

import numpy as np
from onnx import TensorProto, helper

import xfmr


def small_model():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])
    b = helper.make_tensor("b", TensorProto.FLOAT, [64], [0.5] * 64)
    nodes = [helper.make_node("Add", ["x", "b"], ["s"]),
             helper.make_node("Relu", ["s"], ["y"])]
    return helper.make_model(helper.make_graph(nodes, "g", [x], [y], [b]),
                             opset_imports=[helper.make_opsetid("", 17)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--xfmr-run", default="build/bin/xfmr-run")
    args = parser.parse_args()

    model = xfmr.compile(small_model(), verbose=False)
    feeds = {"x": np.ones((1, 64), np.float32)}
    for _ in range(1000):
        model.run(feeds)
    start = time.perf_counter()
    for _ in range(args.runs):
        model.run(feeds)
    python_us = (time.perf_counter() - start) / args.runs * 1e6

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "small.so")
        model.save(path)
        out = subprocess.run(
            [args.xfmr_run, path, "--random-inputs",
             "--benchmark", str(args.runs)],
            check=True, capture_output=True, text=True).stdout
    c_us = float(re.search(r"mean: ([0-9.]+) ms", out).group(1)) * 1e3
    print(f"Model.run: {python_us:.2f} us/call; C API (xfmr-run): "
          f"{c_us:.2f} us/call; overhead {python_us - c_us:.2f} us/call")


if __name__ == "__main__":
    main()
