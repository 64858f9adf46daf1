#!/usr/bin/env python3
"""Runs single quantized-op models of many forms against ONNX Runtime.

int8 cases: a dynamically quantized matmul as ONNX Runtime's
quantize_dynamic writes it (DynamicQuantizeLinear, MatMulInteger, Cast and
the scales' Mul, then a bias Add), or as its optimizer fuses it
(com.microsoft DynamicQuantizeMatMul, MatMulIntegerToFloat), or in the QDQ
format of quantize_static (QuantizeLinear and DequantizeLinear of the
input with a constant scale, DequantizeLinear of the weight per tensor or
per column, MatMul: the compile must make one quantized layer of it; uint8
or int8 activations), with int8 or uint8 weights, with or without zero
points (per tensor or per column), K and N of any size. Both engines quantize the input to uint8 with the same
formulas and sum the integer products exactly; an input value on a
rounding tie may still land on the neighbouring level (the scale is a
quotient computed in another order), which moves an output by one
quantization step of one product: the int8 tolerance is 1e-3 of the
output's largest magnitude.

MatMulNBits cases (named nbits_*): one com.microsoft MatMulNBits node
(4-bit weights in blocks of 16 to 256, with and without zero points, packed
uint8 or float ones, with and without bias, K a multiple of the block size
or not, one row (a decode step's GEMV) or several, rows static or
symbolic), built here with onnx.helper with random packed weights; and the
QDQ form of the same (DequantizeLinear of an int4 or uint4 weight in
blocks, opset 21, then MatMul), which the compile must make one 4-bit
layer of. ONNX Runtime dequantizes the weights exactly and sums in f32
(accuracy_level 0), so the tolerance is that of an f32 matmul.

Other cases: ConvInteger (exact: an i32 result), QLinearConv (per-tensor
and per-channel weight scales, int8 and uint8; within one step of the
uint8 output, as ONNX Runtime's requantization may round the other way
at a tie of its float multiplier), GatherBlockQuantized (uint8 packing two
4-bit values per byte or one 8-bit value, int4 and uint4 tables; f32
exact), QAttention (ONNX Runtime's integer GEMM and xfmr's i32 matmul are
exact, the softmax is f32).

The script draws inputs (fixed seed), runs ONNX Runtime, compiles the
model with `xfmr-compile` (natively and, on a CPU with AVX-512, for AVX2
with --mcpu=x86-64-v3), runs it with `xfmr-run --expected`, and fails when
an output's error exceeds the tolerance (relative to the output's largest
magnitude, or absolute for integer outputs). One line per case and mode.

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
from model_tests import compile_and_compare, cpu_has  # noqa: E402

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
    # QDQ (quantize_static): QuantizeLinear -> DequantizeLinear of the
    # input ("act": its type), DequantizeLinear of the weight (scale per
    # tensor or per column, axis 1), MatMul, bias Add. The compile must make
    # a quantized layer of it (checked on the fused IR).
    dict(name="qdq_u8_per_column_bias", form="qdq", act="uint8", rows=[4, 16],
         k=64, n=96, weight="int8", zp="column", bias=True),
    dict(name="qdq_u8_per_tensor", form="qdq", act="uint8", rows=None, k=37,
         n=19, weight="int8", zp="tensor"),
    dict(name="qdq_i8_per_column", form="qdq", act="int8", rows=[1, 1], k=72,
         n=40, weight="int8", zp="column"),
    dict(name="qdq_i8_per_tensor_bias", form="qdq", act="int8", rows=[3, 5],
         k=128, n=64, weight="int8", bias=True),
    # Exactness at the extremes: inputs of 0, 128 and 255 only (the first
    # half of the rows all 255), weights of +-127 (what the AVX2 kernel's
    # sign flip takes, on few rows) or with -128 (what it leaves to
    # vpmaddwd), K not a multiple of 4, N odd; one row block and the rows
    # past it; both scales 1, so y is the i32 sum itself and any error is
    # at least 1.
    dict(name="int8_extremes_pm127_3_rows", form="dynamic_quantize_matmul",
         rows=[1, 3], k=37, n=19, weight="extremes", atol=0.5),
    dict(name="int8_extremes_pm127_18_rows", form="dynamic_quantize_matmul",
         rows=[2, 9], k=37, n=19, weight="extremes", atol=0.5),
    dict(name="int8_extremes_with_min", form="dynamic_quantize_matmul",
         rows=[1, 3], k=37, n=19, weight="extremes_with_min", atol=0.5),
]

# rows (None: a symbolic [batch, sequence] of 2 x 3), k, n, block size,
# zero points (None, "packed": uint8 two per byte, "float"), bias.
CASES = [
    dict(name="nbits_gemv_b32_packed_zp", rows=[1, 1], k=256, n=96, block=32,
         zp="packed"),
    dict(name="nbits_gemv_b16_no_zp_bias", rows=[1, 1], k=64, n=40, block=16,
         bias=True),
    dict(name="nbits_rows_b64_packed_zp_bias", rows=[2, 7], k=192, n=48, block=64,
         zp="packed", bias=True),
    dict(name="nbits_rows_b128_float_zp", rows=[3, 5], k=256, n=33, block=128,
         zp="float"),
    dict(name="nbits_gemv_b256_packed_zp", rows=[1, 1], k=512, n=64, block=256,
         zp="packed"),
    dict(name="nbits_dynamic_b32_padded_k", rows=None, k=72, n=24, block=32,
         zp="packed", bias=True),
    dict(name="nbits_odd_blocks_b16", rows=[4, 1], k=80, n=16, block=16,
         zp="packed"),
    # The CPU's register blocks: 37 rows (full blocks of rows and the rows
    # left), N odd (the columns left past the last block), K not a
    # multiple of the block, every block size, one row with a symbolic dim.
    dict(name="nbits_m37_b32_packed_zp_odd_n", rows=[37], k=200, n=51, block=32,
         zp="packed"),
    dict(name="nbits_m37_b16_no_zp_bias", rows=[37], k=48, n=37, block=16,
         bias=True),
    dict(name="nbits_m37_b64_float_zp", rows=[1, 37], k=130, n=21, block=64,
         zp="float"),
    dict(name="nbits_m37_b128_no_zp", rows=[37], k=384, n=9, block=128),
    dict(name="nbits_m37_b256_packed_zp", rows=[37], k=520, n=19, block=256,
         zp="packed"),
    dict(name="nbits_gemv_b64_no_zp_odd_n", rows=[1], k=300, n=45, block=64),
    dict(name="nbits_gemv_b128_packed_zp_odd_n", rows=[1, 1], k=384, n=77,
         block=128, zp="packed"),
    dict(name="nbits_gemv_b16_float_zp_odd_n", rows=[1], k=33, n=3, block=16,
         zp="float", bias=True),
    dict(name="nbits_sequence_b32_packed_zp", rows=[1, "sequence"], k=96, n=40,
         block=32, zp="packed", shape=[1, 5]),
    # MatMulNBitsQuantizer's QDQ form: DequantizeLinear (opset 21) of an
    # int4 or uint4 weight [K, N] in blocks along K, then MatMul (and the
    # bias Add), which the compile must make one 4-bit layer of.
    dict(name="nbits_qdq_int4_b32_bias", op="Int4Qdq", rows=[2, 3], k=96,
         n=40, block=32, signed=True, bias=True),
    dict(name="nbits_qdq_uint4_b16_zp_padded_k", op="Int4Qdq", rows=[1],
         k=72, n=24, block=16, signed=False, zp=True),
    dict(name="nbits_qdq_uint4_b64_zp_rows", op="Int4Qdq", rows=[37],
         k=128, n=33, block=64, signed=False, zp=True, bias=True),
]


# Cases of the other quantized ops: "op" names the builder below; "atol"
# is an absolute tolerance for integer outputs (relative otherwise).
OP_CASES = [
    dict(name="conv_integer_u8_w_zp", op="ConvInteger", x="u8",
         w_zp="per_tensor", atol=0),
    dict(name="conv_integer_i8_strided", op="ConvInteger", x="i8", w_zp=None,
         strides=[2, 2], atol=0),
    dict(name="qlinear_conv_u8_per_tensor", op="QLinearConv", x="u8",
         per_channel=False, atol=1),
    dict(name="qlinear_conv_i8_per_channel_bias", op="QLinearConv", x="i8",
         per_channel=True, bias=True, group=2, atol=1),
    dict(name="gather_bq_uint8_4bit_zp", op="GatherBlockQuantized",
         data="uint8", bits=4, zp=True, block=16),
    dict(name="gather_bq_uint8_8bit", op="GatherBlockQuantized",
         data="uint8", bits=8, zp=False, block=32),
    dict(name="gather_bq_uint8_4bit_no_zp", op="GatherBlockQuantized",
         data="uint8", bits=4, zp=False, block=32),
    dict(name="gather_bq_int4", op="GatherBlockQuantized", data="int4",
         bits=4, zp=False, block=16),
    dict(name="gather_bq_uint4_zp", op="GatherBlockQuantized", data="uint4",
         bits=4, zp=True, block=16),
    dict(name="qattention_mask", op="QAttention", mask=True),
    dict(name="qattention_unmasked_per_column", op="QAttention", mask=False,
         per_column=True),
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
    shape = (case.get("shape") or case["rows"] or [2, 3]) + [k]
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


def build_extremes_case(case, rng):
    k, n = case["k"], case["n"]
    weight = rng.choice(np.array([-127, 127], np.int8), size=(k, n))
    if case["weight"] == "extremes_with_min":
        weight[::3] = -128
    initializers = [numpy_helper.from_array(weight, "w"),
                    numpy_helper.from_array(np.array(np.float32(1)),
                                            "w_scale")]
    nodes = [helper.make_node("DynamicQuantizeMatMul", ["a", "w", "w_scale"],
                              ["y"], domain="com.microsoft")]
    model, _ = model_and_input(case, nodes, initializers, rng)
    rows = int(np.prod(case["rows"]))
    a = rng.choice(np.array([0, 128, 255], np.float32), size=(rows, k))
    a[:max(1, rows // 2)] = 255
    return model, {"a": a.reshape(case["rows"] + [k])}


def build_int8_case(case, rng):
    if case["weight"].startswith("extremes"):
        return build_extremes_case(case, rng)
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
    if form == "qdq":
        return build_qdq_case(case, rng, initializers, zp_name)
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


def build_qdq_case(case, rng, initializers, w_zp):
    """The int8 case's weight, scale, zero point and bias as quantize_static
    writes a layer in the QDQ format; the input's scale covers the normal
    input's range."""
    n = case["n"]
    act = np.uint8 if case["act"] == "uint8" else np.int8
    a_zp = np.array(128 if act == np.uint8 else 3, dtype=act)
    if case.get("zp") == "column":
        # A scale per column goes with the zero point.
        initializers[1] = numpy_helper.from_array(
            rng.uniform(0.005, 0.02, size=n).astype(np.float32), "w_scale")
    initializers += [
        numpy_helper.from_array(np.array(np.float32(4.5 / 127)), "a_scale"),
        numpy_helper.from_array(a_zp, "a_zp")]
    nodes = [
        helper.make_node("QuantizeLinear", ["a", "a_scale", "a_zp"], ["q"]),
        helper.make_node("DequantizeLinear", ["q", "a_scale", "a_zp"],
                         ["dq"]),
        helper.make_node("DequantizeLinear",
                         ["w", "w_scale"] + ([w_zp] if w_zp else []),
                         ["dw"], axis=1),
        helper.make_node("MatMul", ["dq", "dw"],
                         ["y0" if case.get("bias") else "y"])]
    if case.get("bias"):
        nodes.append(helper.make_node("Add", ["y0", "bias"], ["y"]))
    return model_and_input(case, nodes, initializers, rng)


def make_model(node, name, inputs, output, initializers):
    graph = helper.make_graph([node], name, inputs, [output], initializers)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 21), helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 10
    return model


def integers(rng, dtype, shape):
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, size=shape).astype(dtype)


def build_conv_integer(case, rng):
    xtype = np.uint8 if case["x"] == "u8" else np.int8
    x = integers(rng, xtype, (1, 4, 7, 7))
    w = integers(rng, np.int8, (6, 4, 3, 3))
    inits = [numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(np.array(7, xtype), "xzp")]
    inputs = ["x", "w", "xzp"]
    if case["w_zp"]:
        # ONNX Runtime's ConvInteger takes a per-tensor w zero point only.
        inits.append(numpy_helper.from_array(np.array(-3, np.int8), "wzp"))
        inputs.append("wzp")
    node = helper.make_node("ConvInteger", inputs, ["y"], pads=[1, 1, 1, 1],
                            strides=case.get("strides", [1, 1]))
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(xtype))
    model = make_model(
        node, case["name"],
        [helper.make_tensor_value_info("x", elem, list(x.shape))],
        helper.make_tensor_value_info("y", TensorProto.INT32, None), inits)
    return model, {"x": x}


def build_qlinear_conv(case, rng):
    xtype = np.uint8 if case["x"] == "u8" else np.int8
    group = case.get("group", 1)
    x = integers(rng, xtype, (2, 4, 6, 6))
    w = integers(rng, np.int8, (6, 4 // group, 3, 3))
    ws = (rng.uniform(0.002, 0.01, size=6) if case["per_channel"]
          else np.array(0.005)).astype(np.float32)
    inits = [numpy_helper.from_array(np.array(0.05, np.float32), "xs"),
             numpy_helper.from_array(np.array(3, xtype), "xzp"),
             numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(ws, "ws"),
             numpy_helper.from_array(np.zeros(ws.shape, np.int8), "wzp"),
             numpy_helper.from_array(np.array(0.2, np.float32), "ys"),
             numpy_helper.from_array(np.array(5, xtype), "yzp")]
    inputs = ["x", "xs", "xzp", "w", "ws", "wzp", "ys", "yzp"]
    if case.get("bias"):
        inits.append(numpy_helper.from_array(
            rng.integers(-500, 500, size=6).astype(np.int32), "bias"))
        inputs.append("bias")
    node = helper.make_node("QLinearConv", inputs, ["y"], pads=[1, 0, 1, 0],
                            group=group)
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(xtype))
    model = make_model(
        node, case["name"],
        [helper.make_tensor_value_info("x", elem, list(x.shape))],
        helper.make_tensor_value_info("y", elem, None), inits)
    return model, {"x": x}


def build_gather_block_quantized(case, rng):
    rows, cols, block, bits = 10, 64, case["block"], case["bits"]
    blocks = cols // block
    levels = 1 << bits
    q = rng.integers(0, levels, size=(rows, cols))
    scales = rng.uniform(0.01, 0.1, size=(rows, blocks)).astype(np.float32)
    zp = rng.integers(0, levels, size=(rows, blocks))
    inits = [numpy_helper.from_array(scales, "scales")]
    if case["data"] == "uint8":
        data = pack_nibbles(q) if bits == 4 else q.astype(np.uint8)
        inits.insert(0, numpy_helper.from_array(data, "data"))
        zp_tensor = numpy_helper.from_array(
            pack_nibbles(zp) if bits == 4 else zp.astype(np.uint8), "zp")
    else:
        signed = case["data"] == "int4"
        elem = TensorProto.INT4 if signed else TensorProto.UINT4
        values = q - 8 if signed else q
        zvals = zp - 8 if signed else zp
        inits.insert(0, helper.make_tensor("data", elem, [rows, cols],
                                           values.flatten().tolist()))
        zp_tensor = helper.make_tensor("zp", elem, [rows, blocks],
                                       zvals.flatten().tolist())
    inputs = ["data", "ids", "scales"]
    if case["zp"]:
        inits.append(zp_tensor)
        inputs.append("zp")
    node = helper.make_node("GatherBlockQuantized", inputs, ["y"],
                            domain="com.microsoft", block_size=block,
                            bits=bits, gather_axis=0, quantize_axis=1)
    model = make_model(
        node, case["name"],
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [2, 3])],
        helper.make_tensor_value_info("y", TensorProto.FLOAT, None), inits)
    return model, {"ids": rng.integers(0, rows, size=(2, 3))}


def build_qattention(case, rng):
    batch, seq, hidden, heads = 2, 5, 16, 2
    x = integers(rng, np.uint8, (batch, seq, hidden))
    w = integers(rng, np.int8, (hidden, 3 * hidden))
    ws = (rng.uniform(0.002, 0.01, size=3 * hidden) if case.get("per_column")
          else np.array(0.004)).astype(np.float32)
    inits = [numpy_helper.from_array(w, "w"),
             numpy_helper.from_array(
                 rng.normal(size=3 * hidden).astype(np.float32), "bias"),
             numpy_helper.from_array(np.array(0.02, np.float32), "xs"),
             numpy_helper.from_array(ws, "ws")]
    inputs = ["x", "w", "bias", "xs", "ws"]
    graph_inputs = [helper.make_tensor_value_info("x", TensorProto.UINT8,
                                                  [batch, seq, hidden])]
    feeds = {"x": x}
    if case["mask"]:
        inputs.append("mask")
        graph_inputs.append(helper.make_tensor_value_info(
            "mask", TensorProto.INT32, [batch, seq]))
        mask = np.ones((batch, seq), np.int32)
        mask[1, 3:] = 0
        feeds["mask"] = mask
    else:
        inputs.append("")
    inits += [numpy_helper.from_array(np.array(128, np.uint8), "xzp"),
              numpy_helper.from_array(np.array(0, np.int8), "wzp")]
    inputs += ["xzp", "wzp"]
    node = helper.make_node("QAttention", inputs, ["y"],
                            domain="com.microsoft", num_heads=heads)
    model = make_model(
        node, case["name"], graph_inputs,
        helper.make_tensor_value_info("y", TensorProto.FLOAT, None), inits)
    return model, feeds


def build_int4_qdq_case(case, rng):
    k, n, block = case["k"], case["n"], case["block"]
    blocks = -(-k // block)
    signed = case["signed"]
    q = rng.integers(-8, 8, size=(k, n)) if signed else rng.integers(
        0, 16, size=(k, n))
    kind = TensorProto.INT4 if signed else TensorProto.UINT4
    scales = rng.uniform(0.01, 0.1, size=(blocks, n)).astype(np.float32)
    initializers = [helper.make_tensor("w", kind, [k, n], q.flatten()),
                    numpy_helper.from_array(scales, "w_scale")]
    dq_inputs = ["w", "w_scale"]
    if case.get("zp"):
        zp = rng.integers(0, 16, size=(blocks, n))
        initializers.append(
            helper.make_tensor("w_zp", kind, [blocks, n], zp.flatten()))
        dq_inputs.append("w_zp")
    nodes = [helper.make_node("DequantizeLinear", dq_inputs, ["wf"], axis=0,
                              block_size=block),
             helper.make_node("MatMul", ["a", "wf"],
                              ["m" if case.get("bias") else "y"])]
    if case.get("bias"):
        bias = rng.normal(size=n).astype(np.float32)
        initializers.append(numpy_helper.from_array(bias, "bias"))
        nodes.append(helper.make_node("Add", ["m", "bias"], ["y"]))
    model, inputs = model_and_input(case, nodes, initializers, rng)
    del model.opset_import[:]
    model.opset_import.append(helper.make_opsetid("", 21))
    model.ir_version = 10
    return model, inputs


BUILDERS = {"ConvInteger": build_conv_integer,
            "QLinearConv": build_qlinear_conv,
            "GatherBlockQuantized": build_gather_block_quantized,
            "QAttention": build_qattention,
            "Int4Qdq": build_int4_qdq_case}


def run_case(args, case):
    rng = np.random.default_rng(0)
    int8 = "form" in case
    builder = (build_int8_case if int8
               else BUILDERS.get(case.get("op"), build_case))
    model, inputs = builder(case, rng)
    tolerance = INT8_RELATIVE_TOLERANCE if int8 else RELATIVE_TOLERANCE
    work = os.path.join(args.work, case["name"])
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, "model.onnx")
    onnx.save(model, path)
    import onnxruntime as ort
    options = ort.SessionOptions()
    if case.get("op") == "Int4Qdq":
        # ORT's optimizer fuses DequantizeLinear -> MatMul into MatMulNBits
        # with int8 activations (accuracy level 4), 6e-3 off the exact
        # product; unoptimized it dequantizes exactly and sums in f32.
        options.graph_optimization_level = (
            ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    session = ort.InferenceSession(path, options,
                                   providers=["CPUExecutionProvider"])
    expected = session.run(None, inputs)[0]
    scale = float(np.abs(expected.astype(np.float64)).max()) or 1.0
    atol = case["atol"] if "atol" in case else tolerance * scale
    modes = {"native": []}
    if cpu_has("avx512f"):
        modes["avx2"] = ["--mcpu=x86-64-v3"]
    # The QDQ forms must become one quantized layer: the fused IR shows
    # the layer's marker.
    marker = {"qdq": ("input_quant(", "a quantized layer")}.get(
        case.get("form")) or {"Int4Qdq": ("block_size", "a 4-bit layer")}.get(
        case.get("op"))
    if marker:
        fused = subprocess.run(
            [args.compile, path, "--emit=fused", "-o", "-"],
            capture_output=True, text=True)
        if marker[0] not in fused.stdout:
            return [("fused", None, f"not {marker[1]}: " + (
                fused.stderr.strip().splitlines() or [f"no {marker[0]}"])[0])]
    return compile_and_compare(args, work, path, inputs, {"y": expected},
                               scale, atol, modes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    passed = failed = 0
    for case in INT8_CASES + CASES + OP_CASES:
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
