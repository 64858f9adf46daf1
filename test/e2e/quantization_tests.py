#!/usr/bin/env python3
"""Runs quantized matmuls of many forms against ONNX Runtime.

int8 cases: a dynamically quantized matmul as ONNX Runtime's
quantize_dynamic writes it (DynamicQuantizeLinear, MatMulInteger, Cast and
the scales' Mul, then a bias Add), or as its optimizer fuses it
(com.microsoft DynamicQuantizeMatMul, MatMulIntegerToFloat), with int8 or
uint8 weights, with or without zero points (per tensor or per column), K
and N of any size. Both engines quantize the input to uint8 with the same
formulas and sum the integer products exactly; an input value on a
rounding tie may still land on the neighbouring level (the scale is a
quotient computed in another order), which moves an output by one
quantization step of one product: the int8 tolerance is 1e-3 of the
output's largest magnitude.

MatMulNBits cases: each is one MatMulNBits node (4-bit weights in blocks of 16 to 256,
with and without zero points, packed uint8 or float ones, with and without
bias, K a multiple of the block size or not, one row (a decode step's GEMV)
or several, rows static or symbolic), built here with onnx.helper with
random packed weights. The script draws inputs (fixed seed), runs ONNX
Runtime, compiles the model with `xfmr-compile` (natively and, on a CPU
with AVX-512, for AVX2 with --mcpu=x86-64-v3), runs it with `xfmr-run
--expected`, and fails when an output's error exceeds the tolerance
(relative to the output's largest magnitude). ONNX Runtime dequantizes the
weights exactly and sums in f32 (accuracy_level 0), so the tolerance is
that of an f32 matmul. One line per case and mode.

Usage: quantization_tests.py --compile build/bin/xfmr-compile
                             --run build/bin/xfmr-run --work DIR [--filter NAME]
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_tests import cpu_has, max_relative_error  # noqa: E402

RELATIVE_TOLERANCE = 1e-5
INT8_RELATIVE_TOLERANCE = 1e-3

# int8 cases: the form, rows (None: symbolic [batch, sequence] of 2 x 3), k,
# n, the weight's type, its zero point (None, "tensor", "column"), bias.
INT8_CASES = [
    dict(name="int8_matmul_integer_s8", form="matmul_integer", rows=[4, 16],
         k=64, n=96, weight="int8", bias=True),
    dict(name="int8_matmul_integer_u8_zp", form="matmul_integer",
         rows=[1, 1], k=72, n=40, weight="uint8", zp="tensor"),
    dict(name="int8_matmul_integer_odd", form="matmul_integer", rows=None,
         k=37, n=19, weight="int8", zp="column", bias=True),
    dict(name="int8_dynamic_quantize_matmul", form="dynamic_quantize_matmul",
         rows=[2, 9], k=128, n=64, weight="int8", bias=True),
    dict(name="int8_dynamic_quantize_matmul_u8", form="dynamic_quantize_matmul",
         rows=[13, 1], k=50, n=33, weight="uint8", zp="tensor"),
    dict(name="int8_matmul_integer_to_float", form="matmul_integer_to_float",
         rows=[3, 8], k=96, n=48, weight="int8", zp="column", bias=True),
]

# rows (None: a symbolic [batch, sequence] of 2 x 3), k, n, block size,
# zero points (None, "packed": uint8 two per byte, "float"), bias.
CASES = [
    dict(name="gemv_b32_packed_zp", rows=[1, 1], k=256, n=96, block=32,
         zp="packed"),
    dict(name="gemv_b16_no_zp_bias", rows=[1, 1], k=64, n=40, block=16,
         bias=True),
    dict(name="rows_b64_packed_zp_bias", rows=[2, 7], k=192, n=48, block=64,
         zp="packed", bias=True),
    dict(name="rows_b128_float_zp", rows=[3, 5], k=256, n=33, block=128,
         zp="float"),
    dict(name="gemv_b256_packed_zp", rows=[1, 1], k=512, n=64, block=256,
         zp="packed"),
    dict(name="dynamic_b32_padded_k", rows=None, k=72, n=24, block=32,
         zp="packed", bias=True),
    dict(name="odd_blocks_b16", rows=[4, 1], k=80, n=16, block=16,
         zp="packed"),
]


def pack_nibbles(values):
    """Two 4-bit values per byte along the last axis, the first in the low
    nibble (the last axis is padded to an even length)."""
    if values.shape[-1] % 2:
        pad = [(0, 0)] * (values.ndim - 1) + [(0, 1)]
        values = np.pad(values, pad)
    return (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)


def model_and_input(case, nodes, initializers, rng):
    """The model of `nodes` from input a [rows..., k] to y [rows..., n],
    and a random input."""
    k, n = case["k"], case["n"]
    rows = case["rows"] or ["batch", "sequence"]
    graph = helper.make_graph(
        nodes, case["name"],
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, rows + [k])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, rows + [n])],
        initializers)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    shape = (case["rows"] or [2, 3]) + [k]
    return model, {"a": rng.normal(size=shape).astype(np.float32)}


def build_case(case, rng):
    k, n, block = case["k"], case["n"], case["block"]
    blocks = -(-k // block)
    q = rng.integers(0, 16, size=(n, blocks * block))
    weight = pack_nibbles(q).reshape(n, blocks, block // 2)
    scales = rng.uniform(0.01, 0.1, size=n * blocks).astype(np.float32)
    inputs = ["a", "b", "scales"]
    initializers = [numpy_helper.from_array(weight, "b"),
                    numpy_helper.from_array(scales, "scales")]
    if case.get("zp") == "packed":
        zp = pack_nibbles(rng.integers(0, 16, size=(n, blocks)))
        initializers.append(numpy_helper.from_array(zp.reshape(-1), "zp"))
        inputs.append("zp")
    elif case.get("zp") == "float":
        zp = rng.uniform(6, 10, size=n * blocks).astype(np.float32)
        initializers.append(numpy_helper.from_array(zp, "zp"))
        inputs.append("zp")
    if case.get("bias"):
        while len(inputs) < 5:
            inputs.append("")
        bias = rng.normal(size=n).astype(np.float32)
        initializers.append(numpy_helper.from_array(bias, "bias"))
        inputs.append("bias")
    node = helper.make_node("MatMulNBits", inputs, ["y"],
                            domain="com.microsoft", K=k, N=n, bits=4,
                            block_size=block)
    return model_and_input(case, [node], initializers, rng)


def build_int8_case(case, rng):
    k, n = case["k"], case["n"]
    wtype = np.int8 if case["weight"] == "int8" else np.uint8
    info = np.iinfo(wtype)
    weight = rng.integers(info.min, info.max + 1, size=(k, n)).astype(wtype)
    scale = np.float32(rng.uniform(0.005, 0.02))
    initializers = [numpy_helper.from_array(weight, "w"),
                    numpy_helper.from_array(np.array(scale), "w_scale")]
    zp_name = ""
    if case.get("zp"):
        shape = () if case["zp"] == "tensor" else (n,)
        # Near the middle of the type's range, as quantizers put them.
        middle = 0 if wtype == np.int8 else 128
        zp = rng.integers(middle - 10, middle + 11, size=shape).astype(wtype)
        initializers.append(numpy_helper.from_array(np.array(zp), "w_zp"))
        zp_name = "w_zp"
    bias = rng.normal(size=n).astype(np.float32)
    initializers.append(numpy_helper.from_array(bias, "bias"))
    form = case["form"]
    if form == "dynamic_quantize_matmul":
        inputs = ["a", "w", "w_scale", "", ""]
        if zp_name:
            inputs[3] = zp_name
        if case.get("bias"):
            inputs[4] = "bias"
        nodes = [helper.make_node("DynamicQuantizeMatMul",
                                  [i for i in inputs], ["y"],
                                  domain="com.microsoft")]
        while nodes[0].input and nodes[0].input[-1] == "":
            nodes[0].input.pop()
    else:
        nodes = [helper.make_node("DynamicQuantizeLinear", ["a"],
                                  ["q", "q_scale", "q_zp"])]
        if form == "matmul_integer":
            nodes += [
                helper.make_node("MatMulInteger", ["q", "w", "q_zp", zp_name],
                                 ["acc"]),
                helper.make_node("Cast", ["acc"], ["acc_f"],
                                 to=TensorProto.FLOAT),
                helper.make_node("Mul", ["q_scale", "w_scale"], ["scale"]),
                helper.make_node("Mul", ["acc_f", "scale"],
                                 ["y" if not case.get("bias") else "y0"])]
            if case.get("bias"):
                nodes.append(helper.make_node("Add", ["y0", "bias"], ["y"]))
        else:
            inputs = ["q", "w", "q_scale", "w_scale", "q_zp", zp_name,
                      "bias" if case.get("bias") else ""]
            while inputs[-1] == "":
                inputs.pop()
            nodes.append(helper.make_node("MatMulIntegerToFloat", inputs,
                                          ["y"], domain="com.microsoft"))
    return model_and_input(case, nodes, initializers, rng)


def run_case(args, case):
    rng = np.random.default_rng(0)
    int8 = "form" in case
    model, inputs = (build_int8_case if int8 else build_case)(case, rng)
    tolerance = INT8_RELATIVE_TOLERANCE if int8 else RELATIVE_TOLERANCE
    work = os.path.join(args.work, case["name"])
    os.makedirs(os.path.join(work, "expected"), exist_ok=True)
    path = os.path.join(work, "model.onnx")
    onnx.save(model, path)
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    expected = session.run(None, inputs)[0]
    np.save(os.path.join(work, "expected", "y.npy"), expected)
    np.save(os.path.join(work, "a.npy"), inputs["a"])
    scale = float(np.abs(expected).max())
    modes = {"native": []}
    if cpu_has("avx512f"):
        modes["avx2"] = ["--mcpu=x86-64-v3"]
    results = []
    for mode, flags in modes.items():
        library = os.path.join(work, f"{mode}.so")
        compiled = subprocess.run([args.compile, path, "-o", library, *flags],
                                  capture_output=True, text=True)
        if compiled.returncode:
            results.append((mode, None, "compile: " + (
                compiled.stderr.strip().splitlines() or ["?"])[0]))
            continue
        out_dir = os.path.join(work, f"{mode}-outputs")
        ran = subprocess.run(
            [args.run, library, "--input", f"a={work}/a.npy", "--output-dir",
             out_dir, "--expected", os.path.join(work, "expected"), "--rtol",
             "0", "--atol", repr(tolerance * scale)],
            capture_output=True, text=True)
        error = max_relative_error(out_dir, {"y": expected}, scale)
        why = None if ran.returncode == 0 else (
            (ran.stderr.strip() or ran.stdout.strip()).splitlines() or
            ["?"])[-1]
        results.append((mode, error, why))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    passed = failed = 0
    for case in INT8_CASES + CASES:
        if args.filter not in case["name"]:
            continue
        for mode, error, why in run_case(args, case):
            ok = why is None
            passed += ok
            failed += not ok
            shown = "-" if error is None else f"{error:.2e}"
            print(f"{'ok' if ok else 'FAIL':4} {case['name']:32} {mode:6} "
                  f"max rel error {shown}" + (f"  ({why})" if why else ""))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
