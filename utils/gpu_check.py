#!/usr/bin/env python3
"""The GPU checks of --target=cuda, in two halves.

`prepare` runs where xfmr is built (no GPU needed): it compiles every model
in test/models for CUDA (f32, bf16 on tensor cores, and bf16 with sm_90a's
GEMMs on wgmma and TMA: --cuda-wgmma) with its example dims
bound, draws its inputs and computes ONNX Runtime's outputs, builds the
benchmark models (GEMMs and causal attention, rows at run time), and puts
all of it with libxfmr_runtime.so in one folder, packed as FOLDER.tar.xz
(about 7 MiB: the folder is about 100).

`run` runs on a machine with an NVIDIA GPU, from that folder alone (unpacked
from its archive where only the archive was carried): no LLVM, no build. Through the runtime's C API (ctypes) it runs every model and
compares it with ONNX Runtime's outputs (f32 within 1e-4 of the outputs'
scale, bf16 with and without wgmma within 2e-2), checks causal attention with --precision=tf32
(the FlashAttention-2 kernel on m16n8k8 tf32; head sizes 64, 128 and 40
with GQA) against float64 within 2e-3, then times in bf16 against PyTorch (cuBLAS, and
scaled_dot_product_attention) the GEMMs of BERT-base's and LLaMA-7B's
projections (each first checked against PyTorch's result; mma.sync's
kernel and wgmma's), a 4096x4096 GEMM (both kernels)
and causal attention at sequence 2k to 16k (head sizes 64 and 128, the
FlashAttention-2 kernel, its output checked against PyTorch's within 2e-2),
and writes a markdown table (and prints it last). xfmr's times are whole
runs through the C API: the copies of the inputs to the GPU and of the
outputs back are in them.

Usage: gpu_check.py prepare --build build --out build/gpu-check
       gpu_check.py run --dir build/gpu-check [--report FILE]
"""

import argparse
import ctypes
import itertools
import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import tarfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOLERANCE = {"f32": 1e-4, "bf16": 2e-2}
# Each test model is compiled in each of these (precision, extra flags) and
# checked against ONNX Runtime at its precision's tolerance: bf16-wgmma puts
# sm_90a's GEMMs on wgmma with TMA loads (--cuda-wgmma).
VARIANTS = {"f32": ("f32", ()), "bf16": ("bf16", ()),
            "bf16-wgmma": ("bf16", ("--cuda-wgmma",))}
BENCH_SIZES = (2048, 4096, 8192, 16384)
GEMM_K = GEMM_N = 4096
# The projections of BERT-base and LLaMA-7B (k, n) at a number of rows
# (tokens): each a bf16 GEMM checked against PyTorch's and timed.
GEMM_SHAPES = (("bert-qkv", 4096, 768, 2304), ("bert-up", 4096, 768, 3072),
               ("bert-down", 4096, 3072, 768),
               ("llama-qkv", 2048, 4096, 12288),
               ("llama-gate", 2048, 4096, 11008),
               ("llama-down", 2048, 11008, 4096))
HEADS = 16
# Head sizes of the causal attention benchmarks (one model each).
HEAD_DIMS = (64, 128)
# tf32 keeps 10 of f32's 23 mantissa bits (unit roundoff 2^-11, 4.9e-4):
# causal attention with Q, K, V and P rounded to tf32 (cvt.rna) and the rest
# exact stays within 6.4e-4 of the output's scale in a NumPy emulation
# (sequences 1000 and 2048, head sizes 64 and 128, normal inputs); 2e-3
# leaves room for ex2.approx and f32 accumulation.
TF32_TOLERANCE = 2e-3
# The tf32 attention checks: model, query heads, key/value heads, head size
# (40: a multiple of 8 but not of 16), at a sequence that ends in a partial
# tile of keys.
TF32_ATTENTION = (("attention64", HEADS, HEADS, 64),
                  ("attention128", HEADS, HEADS, 128),
                  ("attention40-gqa", HEADS, 4, 40))
TF32_SEQUENCE = 1000

# ---------------------------------------------------------------------------
# prepare
# ---------------------------------------------------------------------------


def compile_model(xfmr_compile, model, out, precision, dims, extra=()):
    args = [xfmr_compile, str(model), "--target=cuda",
            f"--precision={precision}", "-o", str(out), *extra]
    args += [f"--dim={name}={value}" for name, value in dims.items()]
    subprocess.run(args, check=True)


def benchmark_models(folder):
    import onnx
    from onnx import TensorProto, helper

    f32 = TensorProto.FLOAT

    def gemm_model(k, n):
        return helper.make_model(helper.make_graph(
            [helper.make_node("MatMul", ["a", "b"], ["c"])], "gemm",
            [helper.make_tensor_value_info("a", f32, ["s", k]),
             helper.make_tensor_value_info("b", f32, [k, n])],
            [helper.make_tensor_value_info("c", f32, ["s", n])]),
            opset_imports=[helper.make_opsetid("", 17)])
    models = {"gemm": gemm_model(GEMM_K, GEMM_N)}
    for name, _, k, n in GEMM_SHAPES:
        models[f"gemm-{name}"] = gemm_model(k, n)
    def attention_model(heads, kv_heads, head_dim):
        shapes = {"q": [1, heads, "s", head_dim],
                  "k": [1, kv_heads, "s", head_dim],
                  "v": [1, kv_heads, "s", head_dim]}
        return helper.make_model(helper.make_graph(
            [helper.make_node("Attention", ["q", "k", "v"], ["o"],
                              is_causal=1)],
            "attention",
            [helper.make_tensor_value_info(n, f32, shape)
             for n, shape in shapes.items()],
            [helper.make_tensor_value_info("o", f32, shapes["q"])]),
            opset_imports=[helper.make_opsetid("", 23)])
    for head_dim in HEAD_DIMS:
        models[f"attention{head_dim}"] = attention_model(HEADS, HEADS,
                                                         head_dim)
    for name, heads, kv_heads, head_dim in TF32_ATTENTION:
        models.setdefault(name, attention_model(heads, kv_heads, head_dim))
    paths = {}
    for name, model in models.items():
        paths[name] = folder / f"{name}.onnx"
        onnx.save(model, paths[name])
    return paths


def prepare(args):
    sys.path.insert(0, str(ROOT / "test" / "e2e"))
    from model_tests import draw_input, run_onnxruntime

    out = pathlib.Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    (out / "models").mkdir(parents=True)
    xfmr_compile = str(pathlib.Path(args.build) / "bin" / "xfmr-compile")
    manifest = {"models": [], "benchmarks": {}, "tf32": {}}
    for spec_path in sorted((ROOT / "test" / "models").glob("*.json")):
        spec = json.loads(spec_path.read_text())
        model = spec_path.with_name(spec["model"])
        stem = model.name.removesuffix(".onnx")
        rng = np.random.default_rng(0)
        inputs = {i["name"]: draw_input(i, spec["example_dims"], rng)
                  for i in spec["inputs"]}
        expected = run_onnxruntime(str(model), inputs)
        np.savez(out / "models" / f"{stem}.data.npz",
                 **{f"in.{k}": v for k, v in inputs.items()},
                 **{f"out.{k}": v for k, v in expected.items()})
        for variant, (precision, flags) in VARIANTS.items():
            compile_model(xfmr_compile, model,
                          out / "models" / f"{stem}.{variant}.so",
                          precision, spec["example_dims"], flags)
        manifest["models"].append(stem)
        print(f"prepared {stem}", flush=True)
    tf32_models = {name for name, *_ in TF32_ATTENTION}
    for name, path in benchmark_models(out).items():
        if name in tf32_models:
            compile_model(xfmr_compile, path, out / f"{name}.tf32.so", "tf32",
                          {})
            manifest["tf32"][name] = f"{name}.tf32.so"
        if name.startswith("gemm") or name in {f"attention{d}"
                                               for d in HEAD_DIMS}:
            compile_model(xfmr_compile, path, out / f"{name}.so", "bf16", {})
            manifest["benchmarks"][name] = f"{name}.so"
        if name.startswith("gemm"):
            # sm_90a's wgmma + TMA kernels, asked for with --cuda-wgmma.
            compile_model(xfmr_compile, path, out / f"{name}-wgmma.so",
                          "bf16", {}, ["--cuda-wgmma"])
            manifest["benchmarks"][f"{name}-wgmma"] = f"{name}-wgmma.so"
        path.unlink()
    shutil.copy(pathlib.Path(args.build) / "lib" / "libxfmr_runtime.so", out)
    shutil.copy(__file__, out / "gpu_check.py")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    # The folder is more than a lent machine takes along (each model's
    # weights once per variant, fatbins of PTX); packed, a few MiB.
    archive = packed(out)
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(out, arcname=out.name)
    print(f"{out}: {size / 2**20:.1f} MiB; packed in {archive}: "
          f"{archive.stat().st_size / 2**20:.1f} MiB", flush=True)


def packed(folder):
    """The archive of a prepared folder: FOLDER.tar.xz beside it."""
    return folder.with_name(folder.name + ".tar.xz")


def unpack(folder):
    """The prepared folder, from its archive where only that was carried."""
    archive = packed(folder)
    if folder.exists() or not archive.exists():
        return
    with tarfile.open(archive) as tar:
        # Python 3.12's extraction filter, where there is one.
        options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(folder.parent, **options)


# ---------------------------------------------------------------------------
# run: the runtime's C API through ctypes
# ---------------------------------------------------------------------------

DTYPES = {1: np.float32, 2: np.float64, 3: np.float16, 5: np.int8,
          6: np.int16, 7: np.int32, 8: np.int64, 9: np.bool_}
CODES = {np.dtype(v): k for k, v in DTYPES.items()}


class Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("rank", ctypes.c_int64),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("data", ctypes.c_void_p)]


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int64),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("dim_names", ctypes.POINTER(ctypes.c_char_p))]


class Runtime:
    def __init__(self, path):
        lib = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
        lib.xfmr_model_load.restype = ctypes.c_void_p
        lib.xfmr_model_load.argtypes = [ctypes.c_char_p,
                                        ctypes.POINTER(ctypes.c_char_p)]
        lib.xfmr_model_free.argtypes = [ctypes.c_void_p]
        for f in (lib.xfmr_model_num_inputs, lib.xfmr_model_num_outputs):
            f.restype = ctypes.c_size_t
            f.argtypes = [ctypes.c_void_p]
        for f in (lib.xfmr_model_input, lib.xfmr_model_output):
            f.restype = ctypes.POINTER(TensorInfo)
            f.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        lib.xfmr_model_run.restype = ctypes.c_int
        lib.xfmr_model_run.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t,
            ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(Tensor),
            ctypes.POINTER(Tensor), ctypes.POINTER(ctypes.c_char_p)]
        lib.xfmr_tensor_release.argtypes = [ctypes.POINTER(Tensor)]
        self.lib = lib

    def load(self, path):
        error = ctypes.c_char_p()
        model = self.lib.xfmr_model_load(str(path).encode(),
                                         ctypes.byref(error))
        if not model:
            raise RuntimeError(error.value.decode())
        return Model(self.lib, model)


class Model:
    def __init__(self, lib, handle):
        self.lib, self.handle = lib, handle
        count = lib.xfmr_model_num_outputs(handle)
        self.outputs = [lib.xfmr_model_output(handle, i).contents.name.decode()
                        for i in range(count)]

    def run(self, feeds):
        names = (ctypes.c_char_p * len(feeds))(*[n.encode() for n in feeds])
        arrays = [np.ascontiguousarray(a) for a in feeds.values()]
        shapes = [(ctypes.c_int64 * a.ndim)(*a.shape) for a in arrays]
        inputs = (Tensor * len(arrays))(*[
            Tensor(CODES[a.dtype], a.ndim, s, a.ctypes.data)
            for a, s in zip(arrays, shapes)])
        outputs = (Tensor * len(self.outputs))()
        error = ctypes.c_char_p()
        if self.lib.xfmr_model_run(self.handle, len(arrays), names, inputs,
                                   outputs, ctypes.byref(error)):
            raise RuntimeError(error.value.decode())
        results = {}
        for name, t in zip(self.outputs, outputs):
            shape = [t.shape[i] for i in range(t.rank)]
            dtype = np.dtype(DTYPES[t.dtype])
            count = int(np.prod(shape))
            buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(
                t.data)
            results[name] = np.frombuffer(buffer, dtype).reshape(shape).copy()
            self.lib.xfmr_tensor_release(ctypes.byref(t))
        return results


def median_ms(function, repeats=5):
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def run(args):
    folder = pathlib.Path(args.dir)
    unpack(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    runtime = Runtime(folder / "libxfmr_runtime.so")
    lines = ["| model | precision | max relative error | tolerance | "
             "result |", "|---|---|---|---|---|"]
    failures = 0
    for stem in manifest["models"]:
        data = np.load(folder / "models" / f"{stem}.data.npz")
        feeds = {k[3:]: data[k] for k in data.files if k.startswith("in.")}
        for variant, (precision, _) in VARIANTS.items():
            tolerance = TOLERANCE[precision]
            try:
                got = runtime.load(
                    folder / "models" / f"{stem}.{variant}.so").run(feeds)
                error = max(
                    float(np.max(np.abs(got[n].astype(np.float64) -
                                        data[f"out.{n}"])) /
                          max(float(np.max(np.abs(data[f"out.{n}"]))), 1e-30))
                    for n in got)
                ok = error <= tolerance
                result = f"{error:.2e}"
            except RuntimeError as e:
                ok, result = False, str(e).splitlines()[0]
            failures += not ok
            lines.append(f"| {stem} | {variant} | {result} | {tolerance:g} "
                         f"| {'pass' if ok else 'FAIL'} |")
    for name, heads, kv_heads, head_dim in TF32_ATTENTION:
        try:
            error = tf32_attention_error(
                runtime.load(folder / manifest["tf32"][name]), heads,
                kv_heads, head_dim)
            ok, result = error <= TF32_TOLERANCE, f"{error:.2e}"
        except (KeyError, RuntimeError) as e:
            ok, result = False, str(e).splitlines()[0]
        failures += not ok
        lines.append(f"| causal {name} H={heads}/{kv_heads} D={head_dim} "
                     f"S={TF32_SEQUENCE} | tf32 | {result} | "
                     f"{TF32_TOLERANCE:g} | {'pass' if ok else 'FAIL'} |")
    # The correctness table first, so that it survives a benchmark that
    # fails or runs out of time.
    print("\n".join(lines), flush=True)
    lines += ["", "| benchmark (bf16) | sequence | xfmr ms | PyTorch ms | "
              "xfmr / PyTorch |", "|---|---|---|---|---|"]
    try:
        lines += benchmarks(runtime, folder, manifest)
    except (ImportError, RuntimeError, AssertionError) as e:
        lines.append(f"| benchmarks not run: {e} | | | | |")
    report = "\n".join(lines)
    if args.report:
        pathlib.Path(args.report).write_text(report + "\n")
    print(report)
    return 1 if failures else 0


def benchmarks(runtime, folder, manifest):
    import torch

    def torch_ms(function):
        function()
        torch.cuda.synchronize()
        start, end = (torch.cuda.Event(enable_timing=True) for _ in range(2))
        times = []
        for _ in range(5):
            start.record()
            function()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        return statistics.median(times)

    rng = np.random.default_rng(0)
    lines = []
    # The model shapes: the result checked against PyTorch's bf16 GEMM (the
    # same rounding of the inputs, f32 accumulation) before it is timed.
    for (name, m, k, n), kernel in itertools.product(GEMM_SHAPES,
                                                     ("", "-wgmma")):
        model = runtime.load(
            folder / manifest["benchmarks"][f"gemm-{name}{kernel}"])
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        ta, tb = (torch.from_numpy(x).cuda().bfloat16() for x in (a, b))
        expected = (ta.float() @ tb.float()).cpu().numpy()
        got = model.run({"a": a, "b": b})["c"]
        error = float(np.max(np.abs(got - expected)) /
                      max(float(np.max(np.abs(expected))), 1e-30))
        ours = median_ms(lambda: model.run({"a": a, "b": b}))
        theirs = torch_ms(lambda: ta @ tb)
        verdict = "" if error <= TOLERANCE["bf16"] else f", FAIL {error:.1e}"
        lines.append(f"| GEMM{kernel} {name} {m}x{k}x{n} (error {error:.1e}"
                     f"{verdict}) | {m} | {ours:.2f} | {theirs:.3f} | "
                     f"{ours / theirs:.1f} |")
    for s, kernel in itertools.product(BENCH_SIZES, ("", "-wgmma")):
        gemm = runtime.load(folder / manifest["benchmarks"][f"gemm{kernel}"])
        a = rng.standard_normal((s, GEMM_K), dtype=np.float32)
        b = rng.standard_normal((GEMM_K, GEMM_N), dtype=np.float32)
        ours = median_ms(lambda: gemm.run({"a": a, "b": b}))
        ta, tb = (torch.from_numpy(x).cuda().bfloat16() for x in (a, b))
        theirs = torch_ms(lambda: ta @ tb)
        lines.append(f"| GEMM{kernel} {s}x{GEMM_K}x{GEMM_N} | {s} | "
                     f"{ours:.2f} | "
                     f"{theirs:.3f} | {ours / theirs:.1f} |")
    for head_dim in HEAD_DIMS:
        lines += attention_benchmarks(
            runtime.load(folder / manifest["benchmarks"][
                f"attention{head_dim}"]), head_dim, rng, torch_ms)
    return lines


def tf32_attention_error(attention, heads, kv_heads, head_dim):
    """The largest difference between the tf32 model's causal attention and
    float64's (key/value head h // (heads / kv_heads) for query head h), as
    a fraction of the output's largest magnitude."""
    rng = np.random.default_rng(1)
    s = TF32_SEQUENCE
    q = rng.standard_normal((1, heads, s, head_dim), dtype=np.float32)
    k, v = (rng.standard_normal((1, kv_heads, s, head_dim), dtype=np.float32)
            for _ in range(2))
    got = attention.run({"q": q, "k": k, "v": v})["o"]
    future = np.triu(np.ones((s, s), dtype=bool), 1)
    expected = np.empty(q.shape, dtype=np.float64)
    group = heads // kv_heads
    for h in range(heads):
        keys = k[0, h // group].astype(np.float64)
        values = v[0, h // group].astype(np.float64)
        scores = q[0, h].astype(np.float64) @ keys.T / np.sqrt(head_dim)
        scores[future] = -np.inf
        p = np.exp(scores - scores.max(axis=1, keepdims=True))
        expected[0, h] = p @ values / p.sum(axis=1, keepdims=True)
    return float(np.max(np.abs(got - expected)) / np.max(np.abs(expected)))


def attention_benchmarks(attention, head_dim, rng, torch_ms):
    """Causal attention in bf16 (the model's FlashAttention-2 kernel) against
    torch's scaled_dot_product_attention on the same bf16-rounded inputs:
    the output within 2e-2 of torch's scale, and both timed."""
    import torch
    import torch.nn.functional as F

    lines = []
    for s in BENCH_SIZES:
        q, k, v = (rng.standard_normal((1, HEADS, s, head_dim),
                                       dtype=np.float32) for _ in range(3))
        started = time.perf_counter()
        got = attention.run({"q": q, "k": k, "v": v})["o"]
        if time.perf_counter() - started > 60:
            lines.append(f"| causal attention D={head_dim} | {s} | > 60000 "
                         "| | |")
            break
        ours = median_ms(lambda: attention.run({"q": q, "k": k, "v": v}), 3)
        tq, tk, tv = (torch.from_numpy(x).cuda().bfloat16() for x in (q, k, v))
        reference = F.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
        expected = reference.float().cpu().numpy()
        error = float(np.max(np.abs(got - expected)) /
                      max(float(np.max(np.abs(expected))), 1e-30))
        verdict = "pass" if error <= TOLERANCE["bf16"] else "FAIL"
        theirs = torch_ms(lambda: F.scaled_dot_product_attention(
            tq, tk, tv, is_causal=True))
        lines.append(f"| causal attention H={HEADS} D={head_dim} "
                     f"(error {error:.1e}: {verdict}) | {s} | {ours:.2f} | "
                     f"{theirs:.3f} | {ours / theirs:.1f} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--build", default="build")
    p.add_argument("--out", default="build/gpu-check")
    r = sub.add_parser("run")
    r.add_argument("--dir", default="build/gpu-check")
    r.add_argument("--report")
    args = parser.parse_args()
    return prepare(args) if args.command == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main())
