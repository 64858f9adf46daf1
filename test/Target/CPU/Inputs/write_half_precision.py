"""Writes half.onnx into the folder argv[1]: f32 inputs rounded to bf16 and
to f16, added and multiplied in those types, and widened back to f32; the
conversions a CPU may have no instruction for (bf16 before AVX512-BF16, f16
before F16C). Also x.npy, y.npy and expected/{b_out,h_out}.npy: each op
computed in f32 and rounded to nearest even, as ONNX Runtime does."""

import os
import sys

import numpy as np

import onnx
from onnx import TensorProto, helper

BF16, F16, F32 = TensorProto.BFLOAT16, TensorProto.FLOAT16, TensorProto.FLOAT
nodes = []
for name, dtype in (("b", BF16), ("h", F16)):
    nodes += [
        helper.make_node("Cast", ["x"], [f"{name}x"], to=dtype),
        helper.make_node("Cast", ["y"], [f"{name}y"], to=dtype),
        helper.make_node("Add", [f"{name}x", f"{name}y"], [f"{name}s"]),
        helper.make_node("Mul", [f"{name}s", f"{name}x"], [f"{name}p"]),
        helper.make_node("Cast", [f"{name}p"], [f"{name}_out"], to=F32),
    ]
graph = helper.make_graph(
    nodes, "half",
    [helper.make_tensor_value_info("x", F32, ["n"]),
     helper.make_tensor_value_info("y", F32, ["n"])],
    [helper.make_tensor_value_info("b_out", F32, ["n"]),
     helper.make_tensor_value_info("h_out", F32, ["n"])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
os.makedirs(sys.argv[1], exist_ok=True)
onnx.save(model, os.path.join(sys.argv[1], "half.onnx"))


def bf16(values):
    """f32 values rounded to the nearest bf16 (ties to even), as f32."""
    bits = np.asarray(values, np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16 << 16
    return bits.astype(np.uint32).view(np.float32)


def f16(values):
    return np.asarray(values, np.float32).astype(np.float16).astype(np.float32)


rng = np.random.default_rng(0)
# 37 elements: a vector loop and a remainder at every width.
x = rng.uniform(-4, 4, 37).astype(np.float32)
y = rng.uniform(-4, 4, 37).astype(np.float32)
np.save(os.path.join(sys.argv[1], "x.npy"), x)
np.save(os.path.join(sys.argv[1], "y.npy"), y)
expected = os.path.join(sys.argv[1], "expected")
os.makedirs(expected, exist_ok=True)
for name, rnd in (("b_out", bf16), ("h_out", f16)):
    rx, ry = rnd(x), rnd(y)
    np.save(os.path.join(expected, name + ".npy"), rnd(rnd(rx + ry) * rx))
