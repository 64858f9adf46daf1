#!/usr/bin/env python3
"""Peak memory of one attention layer against sequence length.

Builds one self-attention layer the way PyTorch's exporters write it (q/k/v
projections, head split, q·kᵀ, scale, softmax, ·v, head merge, output
projection), compiles it with xfmr-compile at each sequence length, and runs
it once with xfmr-run, recording the run's peak resident set size. Three
builds of the same layer:

  flash     fused into xfmr.attention, lowered as flash attention (default)
  whole     fused into xfmr.attention, lowered over the whole score matrix
            (--flash-attention=false)
  unfused   the graph as imported (--fuse=false)

Flash attention keeps one score tile per query block, so its peak grows
linearly with the sequence; the other two hold Sq x Skv scores per head.

With --benchmark N it also times N runs of each build (xfmr-run
--benchmark, median) and reports the latency next to the memory.

Usage: attention_memory.py --compile build/bin/xfmr-compile
                           --run build/bin/xfmr-run [--seq 1024 8192]
                           [--heads 8] [--head-dim 64] [--causal]
                           [--variants flash whole unfused] [--benchmark N]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

VARIANTS = {
    "flash": [],
    "whole": ["--flash-attention=false"],
    "unfused": ["--fuse=false"],
}


def attention_layer(heads, head_dim, causal):
    """One attention layer over x [1, sequence, heads * head_dim]."""
    hidden = heads * head_dim
    rng = np.random.default_rng(0)
    weights = {name: (rng.standard_normal((hidden, hidden)) /
                      np.sqrt(hidden)).astype(np.float32)
               for name in ("wq", "wk", "wv", "wo")}
    inits = [numpy_helper.from_array(w, name) for name, w in weights.items()]
    inits += [
        numpy_helper.from_array(
            np.array([1, -1, heads, head_dim], np.int64), "split_shape"),
        numpy_helper.from_array(np.array([1, -1, hidden], np.int64),
                                "merge_shape"),
        numpy_helper.from_array(np.array(1 / np.sqrt(head_dim), np.float32),
                                "scale"),
    ]
    nodes = []
    for p in ("q", "k", "v"):
        nodes.append(helper.make_node("MatMul", ["x", f"w{p}"], [f"{p}_proj"]))
        nodes.append(helper.make_node("Reshape", [f"{p}_proj", "split_shape"],
                                      [f"{p}_heads"]))
    nodes += [
        helper.make_node("Transpose", ["q_heads"], ["q"], perm=[0, 2, 1, 3]),
        helper.make_node("Transpose", ["k_heads"], ["kt"], perm=[0, 2, 3, 1]),
        helper.make_node("Transpose", ["v_heads"], ["v"], perm=[0, 2, 1, 3]),
        helper.make_node("MatMul", ["q", "kt"], ["qk"]),
        helper.make_node("Mul", ["qk", "scale"], ["scores"]),
    ]
    probs_input = "scores"
    if causal:
        # The causal mask as GPT-style exporters build it: the lower
        # triangle of a ones matrix of the scores' last two dims.
        inits.append(numpy_helper.from_array(
            np.array(-np.inf, np.float32), "neg_inf"))
        inits.append(numpy_helper.from_array(np.array(0, np.float32), "zero"))
        nodes += [
            helper.make_node("Shape", ["scores"], ["scores_shape"], start=2),
            helper.make_node("ConstantOfShape", ["scores_shape"], ["ones"],
                             value=helper.make_tensor("one", TensorProto.BOOL,
                                                      [1], [True])),
            helper.make_node("Trilu", ["ones"], ["keep"], upper=0),
            helper.make_node("Where", ["keep", "zero", "neg_inf"], ["mask"]),
            helper.make_node("Add", ["scores", "mask"], ["masked"]),
        ]
        probs_input = "masked"
    nodes += [
        helper.make_node("Softmax", [probs_input], ["probs"], axis=-1),
        helper.make_node("MatMul", ["probs", "v"], ["context"]),
        helper.make_node("Transpose", ["context"], ["context_t"],
                         perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["context_t", "merge_shape"], ["merged"]),
        helper.make_node("MatMul", ["merged", "wo"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "attention_layer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [1, "sequence", hidden])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [1, "sequence", hidden])],
        initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def peak_rss_mib(command):
    """Runs `command` and returns its peak resident set size in MiB."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    stderr = process.stderr.read().decode()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"error: {' '.join(command)} failed:\n{stderr}")
    return usage.ru_maxrss / 1024.0  # Linux reports KiB


def median_ms(command):
    """The median latency that `xfmr-run --benchmark` prints last."""
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    match = re.search(r"median: ([0-9.]+) ms", out.stdout + out.stderr)
    if not match:
        sys.exit(f"error: no median in the output of {' '.join(command)}")
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--seq", type=int, nargs="+", default=[1024, 8192])
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--head-dim", type=int, default=64)
    parser.add_argument("--causal", action="store_true")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument("--benchmark", type=int, default=0,
                        help="also time this many runs of each build")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "attention.onnx")
        onnx.save(attention_layer(args.heads, args.head_dim, args.causal),
                  model)
        print(f"one attention layer: batch 1, {args.heads} heads, head dim "
              f"{args.head_dim}{', causal' if args.causal else ''}; peak "
              "RSS of one xfmr-run (MiB)" +
              (f", and median latency of {args.benchmark} runs (ms)"
               if args.benchmark else ""))
        columns = list(args.variants)
        if args.benchmark:
            columns += [f"{v} ms" for v in args.variants]
        print("| sequence | " + " | ".join(columns) + " |")
        print("|---:|" + "---:|" * len(columns))
        for seq in args.seq:
            row, times = [], []
            for variant in args.variants:
                library = os.path.join(work, f"{variant}-{seq}.so")
                subprocess.run(
                    [args.compile, model, "-o", library,
                     f"--dim=sequence={seq}", *VARIANTS[variant]],
                    check=True)
                row.append(peak_rss_mib(
                    [args.run, library, "--random-inputs"]))
                if args.benchmark:
                    times.append(median_ms(
                        [args.run, library, "--random-inputs",
                         f"--benchmark={args.benchmark}"]))
            cells = [f"{v:.0f}" for v in row] + [f"{t:.2f}" for t in times]
            print(f"| {seq} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
