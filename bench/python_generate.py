#!/usr/bin/env python3
"""Tokens per second of xfmr.generate against the same loop on ONNX Runtime.

    python bench/python_generate.py MODEL.onnx [--prompt 32] [--new 64]

MODEL is a decoder exported with past/present key-values (test/models'
gpt2-decode, or GPT-2 small from `export_models.py --bench --only
gpt2-small-decode`). Both engines run xfmr.generate's loop (greedy, batch 1):
one prefill, then one step per token. The compile is not timed (xfmr
compiles a prefill model for the prompt's length and a step model for one
token, all else static); each engine runs the loop once to warm up, then
`--repeat` times, and the best is kept.
"""

import argparse
import time

import numpy as np
import onnxruntime as ort

import xfmr


def best_time(generate, repeat):
    generate()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        tokens = generate()
        times.append(time.perf_counter() - start)
    return min(times), tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--prompt", type=int, default=32)
    parser.add_argument("--new", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    vocab = 1000
    prompt = np.random.default_rng(0).integers(0, vocab, (1, args.prompt))
    # The first call compiles the prefill and the step model (or loads them
    # from the compile cache); later calls reuse them.
    start = time.perf_counter()
    xfmr.generate(args.model, prompt, max_new_tokens=1)
    print(f"xfmr compile (or cache hit): {time.perf_counter() - start:.1f} s")
    session = ort.InferenceSession(args.model,
                                   providers=["CPUExecutionProvider"])
    results = {}
    for name, engine in (("xfmr", args.model), ("onnxruntime", session)):
        seconds, tokens = best_time(
            lambda: xfmr.generate(engine, prompt, max_new_tokens=args.new),
            args.repeat)
        results[name] = tokens
        print(f"{name:12s} {args.new / seconds:8.1f} tokens/s "
              f"({seconds * 1e3:.0f} ms for {args.prompt} prompt + "
              f"{args.new} new tokens)")
    same = np.array_equal(results["xfmr"], results["onnxruntime"])
    print("same tokens:", same)


if __name__ == "__main__":
    main()
