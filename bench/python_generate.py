#!/usr/bin/env python3
"""Tokens per second of xfmr.generate against the same loop on ONNX Runtime.

    python bench/python_generate.py MODEL.onnx [--prompt 32] [--new 64]
        [--repeat 5] [--cpu native] [--precision f32]

MODEL is a decoder exported with past/present key-values (test/models'
gpt2-decode, or GPT-2 small from `export_models.py --bench --only
gpt2-small-decode`). Both engines run xfmr.generate's loop (greedy, batch 1):
one prefill, then one step per token. The compile is not timed (xfmr
compiles a prefill model for the prompt's length and a step model for one
token over a cache of any length; `--cpu` and `--precision` are its
options). Each engine runs the loop once to warm up, then the two engines
alternate `--repeat` times, so that both see the same machine load; the
medians are reported, and the tokens of the two engines are compared.
"""

import argparse
import statistics
import time

import numpy as np
import onnxruntime as ort

import xfmr


def timed(generate):
    start = time.perf_counter()
    tokens = generate()
    return time.perf_counter() - start, tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--prompt", type=int, default=32)
    parser.add_argument("--new", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cpu", default="native")
    parser.add_argument("--precision", default="f32")
    args = parser.parse_args()

    vocab = 1000
    prompt = np.random.default_rng(0).integers(0, vocab, (1, args.prompt))
    options = {"cpu": args.cpu, "precision": args.precision}
    # The first call compiles the prefill and the step model (or loads them
    # from the compile cache); later calls reuse them.
    start = time.perf_counter()
    xfmr.generate(args.model, prompt, max_new_tokens=1, **options)
    print(f"xfmr compile (or cache hit): {time.perf_counter() - start:.1f} s")
    session = ort.InferenceSession(args.model,
                                   providers=["CPUExecutionProvider"])
    engines = {
        "xfmr": lambda: xfmr.generate(args.model, prompt,
                                      max_new_tokens=args.new, **options),
        "onnxruntime": lambda: xfmr.generate(session, prompt,
                                             max_new_tokens=args.new),
    }
    times = {name: [] for name in engines}
    tokens = {name: generate() for name, generate in engines.items()}
    for _ in range(args.repeat):
        for name, generate in engines.items():
            seconds, tokens[name] = timed(generate)
            times[name].append(seconds)
    for name, samples in times.items():
        seconds = statistics.median(samples)
        print(f"{name:12s} {args.new / seconds:8.1f} tokens/s median of "
              f"{len(samples)} ({seconds * 1e3:.0f} ms for {args.prompt} "
              f"prompt + {args.new} new tokens; min {min(samples) * 1e3:.0f}"
              f", max {max(samples) * 1e3:.0f} ms)")
    same = np.array_equal(tokens["xfmr"], tokens["onnxruntime"])
    print("same tokens:", same)


if __name__ == "__main__":
    main()
