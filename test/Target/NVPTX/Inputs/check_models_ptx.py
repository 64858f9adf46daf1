#!/usr/bin/env python3
"""Compiles models with --target=cuda to PTX, checks the PTX of every
architecture with ptxas, and fails on a ptxas error, a kernel that spills
registers, or (for precisions below f32) PTX without tensor-core
instructions. Prints one line per model and architecture."""

import argparse
import pathlib
import re
import subprocess
import sys
import time

SPILLS = re.compile(r"(\d+) bytes spill stores, (\d+) bytes spill loads")
REGISTERS = re.compile(r"Used (\d+) registers")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--xfmr-compile", required=True)
    parser.add_argument("--ptxas", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--precision", default="f32")
    parser.add_argument("models", help="a folder of .onnx models")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    failures = 0
    for model in sorted(pathlib.Path(args.models).glob("*.onnx")):
        stem = model.name.removesuffix(".onnx")
        started = time.monotonic()
        compiled = subprocess.run(
            [args.xfmr_compile, str(model), "--target=cuda", "--emit=ptx",
             f"--precision={args.precision}", "-o", str(out / f"{stem}.ptx")],
            capture_output=True, text=True)
        seconds = time.monotonic() - started
        if compiled.returncode != 0:
            print(f"FAIL {stem}: xfmr-compile: {compiled.stderr.strip()}")
            failures += 1
            continue
        for ptx in sorted(out.glob(f"{stem}.sm_*.ptx")):
            arch = ptx.suffixes[-2].lstrip(".")
            checked = subprocess.run(
                [args.ptxas, f"-arch={arch}", "-v", str(ptx), "-o",
                 str(ptx.with_suffix(".cubin"))],
                capture_output=True, text=True)
            log = checked.stdout + checked.stderr
            kernels = log.count("Compiling entry function")
            spilling = sum(1 for stores, loads in SPILLS.findall(log)
                           if int(stores) or int(loads))
            registers = max((int(r) for r in REGISTERS.findall(log)),
                            default=0)
            text = ptx.read_text()
            mma = text.count("mma.sync.aligned")
            wgmma = text.count("wgmma.mma_async")
            ok = (checked.returncode == 0 and spilling == 0 and kernels > 0
                  and (args.precision == "f32" or mma + wgmma > 0))
            failures += not ok
            print(f"{'OK  ' if ok else 'FAIL'} {stem} {arch} "
                  f"{args.precision}: {kernels} kernels ({mma} mma.sync, "
                  f"{wgmma} wgmma), "
                  f"{spilling} spilling, at most {registers} registers, "
                  f"compiled in {seconds:.1f} s")
            if checked.returncode != 0:
                print(log)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
