#!/usr/bin/env python3
"""Measures what docs/nvptx.md reports about the NVPTX backend, without a GPU.

- compile times: every test model to a `.so` with `--target=cuda` (default
  architectures) in f32 and bf16, and with the CPU target (`--mcpu=native`)
  in f32 and bf16 for comparison, one compile at a time, in seconds of
  processor time (user + system, the compiler's and ptxas's) and of
  wall-clock time;
- `ptxas -v` of the tensor-core kernels: for each model in bf16 (and with
  `--cuda-wgmma` for sm_90a), every kernel with `mma.sync` or `wgmma` in its
  PTX, as a matmul (a GEMM's block tile) or the attention kernel (tensor
  cores and `ex2`, FlashAttention-2's online softmax), with its registers,
  stack frame and spills per architecture (a row per kind of kernel: how
  many, their registers from fewest to most, the largest stack frame and
  spills; `--per-kernel` for a row per kernel).

Prints markdown tables on stdout.

  python3 utils/nvptx_report.py --build build --out /tmp/nvptx-report
  python3 utils/nvptx_report.py --build build --out /tmp/r --skip-times \
      bert.dynamo llama.dynamo
"""

import argparse
import os
import pathlib
import re
import resource
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENTRY = re.compile(r"^\.visible \.entry (\w+)\(", re.M)
PTXAS_ENTRY = re.compile(r"Compiling entry function '(\w+)' for '(\w+)'")
FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, "
                   r"(\d+) bytes spill loads")
USED = re.compile(r"Used (\d+) registers")


def find_ptxas():
    for base in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"),
                 "/usr/local/cuda"):
        if base and (pathlib.Path(base) / "bin" / "ptxas").exists():
            return str(pathlib.Path(base) / "bin" / "ptxas")
    return shutil.which("ptxas")


def timed(command):
    """(wall-clock, user + system) seconds of `command`, or None if it
    fails. The processor time is what to compare on a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        print(f"FAIL {' '.join(command)}:\n{done.stderr}", file=sys.stderr)
        return None
    return wall, (after.ru_utime - before.ru_utime +
                  after.ru_stime - before.ru_stime)


def kernel_kinds(ptx):
    """{kernel: 'matmul (mma.sync)' | 'matmul (wgmma)' | 'attention'} for
    the kernels of `ptx` that use tensor cores."""
    kinds = {}
    starts = list(ENTRY.finditer(ptx))
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(ptx)
        body = ptx[match.start():end]
        if "wgmma.mma_async" in body:
            kinds[match.group(1)] = "matmul (wgmma)"
        elif "mma.sync" in body:
            kinds[match.group(1)] = ("attention" if "ex2.approx" in body
                                     else "matmul (mma.sync)")
    return kinds


def ptxas_lines(ptxas, ptx_file, arch):
    """{kernel: (registers, stack, spill stores, spill loads)}."""
    log = subprocess.run(
        [ptxas, f"-arch={arch}", "-v", str(ptx_file), "-o", os.devnull],
        capture_output=True, text=True)
    text = log.stdout + log.stderr
    found, kernel = {}, None
    for line in text.splitlines():
        if m := PTXAS_ENTRY.search(line):
            kernel = m.group(1)
            found[kernel] = [0, 0, 0, 0]
        elif kernel and (m := FRAME.search(line)):
            found[kernel][1:] = [int(x) for x in m.groups()]
        elif kernel and (m := USED.search(line)):
            found[kernel][0] = int(m.group(1))
    return found


def compile_times(compile_, models, out):
    variants = (("cuda", "f32"), ("cuda", "bf16"), ("cpu", "f32"),
                ("cpu", "bf16"))
    print("Seconds of processor time (user + system) per compile to a `.so`, "
          "wall-clock in brackets.\n")
    print("| model | " + " | ".join(f"{t} {p}" for t, p in variants) + " |")
    print("|---|" + "---:|" * len(variants))
    totals = [[0.0, 0.0] for _ in variants]
    for model in models:
        stem = model.name.removesuffix(".onnx")
        row = []
        for i, (target, precision) in enumerate(variants):
            seconds = timed([compile_, str(model), f"--target={target}",
                             f"--precision={precision}", "-o",
                             str(out / f"{stem}.{target}.{precision}.so")])
            if seconds is None:
                row.append("fail")
                continue
            row.append(f"{seconds[1]:.1f} ({seconds[0]:.1f})")
            totals[i][0] += seconds[0]
            totals[i][1] += seconds[1]
        print(f"| {stem} | " + " | ".join(row) + " |", flush=True)
    print("| **total** | " +
          " | ".join(f"{cpu:.0f} ({wall:.0f})" for wall, cpu in totals) + " |")


def kernel_table(compile_, ptxas, models, out, per_kernel):
    if per_kernel:
        print("| model | arch | kernel | kind | registers | stack | "
              "spill stores | spill loads |")
        print("|---|---|---|---|---:|---:|---:|---:|")
    else:
        print("| model | arch | kind | kernels | registers | stack | "
              "spill stores | spill loads |")
        print("|---|---|---|---:|---:|---:|---:|---:|")
    for model in models:
        stem = model.name.removesuffix(".onnx")
        for flags, archs in (([], ("sm_80", "sm_90a")),
                             (["--cuda-wgmma"], ("sm_90a",))):
            base = out / (stem + ("-wgmma" if flags else "") + ".ptx")
            if timed([compile_, str(model), "--target=cuda", "--emit=ptx",
                      "--precision=bf16", *flags, "-o", str(base)]) is None:
                continue
            for arch in archs:
                ptx = base.with_name(f"{base.stem}.{arch}.ptx")
                kinds = kernel_kinds(ptx.read_text())
                lines = ptxas_lines(ptxas, ptx, arch)
                label = arch + (" --cuda-wgmma" if flags else "")
                groups = {}
                for kernel, kind in kinds.items():
                    regs, stack, stores, loads = lines.get(kernel,
                                                           [0, 0, 0, 0])
                    if per_kernel:
                        print(f"| {stem} | {label} | {kernel} | {kind} | "
                              f"{regs} | {stack} | {stores} | {loads} |")
                    groups.setdefault(kind, []).append(
                        (regs, stack, stores, loads))
                if per_kernel:
                    continue
                for kind, rows in sorted(groups.items()):
                    regs = sorted(r[0] for r in rows)
                    span = (f"{regs[0]}" if regs[0] == regs[-1]
                            else f"{regs[0]}-{regs[-1]}")
                    print(f"| {stem} | {label} | {kind} | {len(rows)} | "
                          f"{span} | {max(r[1] for r in rows)} | "
                          f"{max(r[2] for r in rows)} | "
                          f"{max(r[3] for r in rows)} |", flush=True)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--models", default=str(ROOT / "test" / "models"))
    parser.add_argument("--out", required=True, help="a scratch folder")
    parser.add_argument("--skip-times", action="store_true")
    parser.add_argument("--skip-kernels", action="store_true")
    parser.add_argument("--per-kernel", action="store_true",
                        help="a row per kernel rather than per kind")
    parser.add_argument("filters", nargs="*",
                        help="only models whose name holds one of these")
    args = parser.parse_args()
    compile_ = str(pathlib.Path(args.build) / "bin" / "xfmr-compile")
    ptxas = find_ptxas()
    if not ptxas:
        sys.exit("no ptxas: set CUDA_HOME or put the CUDA toolkit on PATH")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    models = [m for m in sorted(pathlib.Path(args.models).glob("*.onnx"))
              if not args.filters or any(f in m.name for f in args.filters)]
    if not args.skip_times:
        compile_times(compile_, models, out)
        print()
    if not args.skip_kernels:
        kernel_table(compile_, ptxas, models, out, args.per_kernel)


if __name__ == "__main__":
    main()
