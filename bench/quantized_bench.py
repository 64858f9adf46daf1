#!/usr/bin/env python3
"""xfmr against ONNX Runtime and OpenVINO on quantized models (int8 and int4).

Every engine runs the same quantized ONNX file: ORT's own quantizers make
it, xfmr compiles it, OpenVINO (when the Python running this has it: the
benchmark venv of utils/bench_setup.sh does) reads it with its inputs'
shapes made static, as bench/run_benchmarks.py gives it models. The models:

  * the quantized test models of test/models (bert-int8 and bert-int4: a
    2-layer BERT of hidden 64, batch 2, sequence 16);
  * a stack of 4 feed-forward blocks of LLaMA-100M's widths (x + W2 ·
    relu(W1 · x), 768 -> 2048 -> 768, random f32 weights, 25 MB), made
    here and quantized with quantize_dynamic (int8) and MatMulNBitsQuantizer
    (int4, blocks of 32 with zero points), run on one row (a decode step's
    GEMV, bound by reading the weights) and on 128 rows (a prefill);
  * BERT-base (batch 1, sequence 128: the model of bench/run_benchmarks.py,
    its export when build/bench/models has it, else the same architecture
    built here with random weights) quantized by quantize_dynamic with
    ORT's defaults (bert-base-int8) and by quantize_static in the QDQ
    format with its defaults and 4 random calibration batches
    (bert-base-qdq), each cached in the work folder;
  * all-MiniLM-L6-v2 with its trained weights (where `make demo` has
    exported it, or --minilm), quantized by quantize_dynamic, by
    quantize_static (QDQ) and by MatMulNBitsQuantizer, batch 1, sequence
    128: the quantized forms on real weight distributions;
  * LLaMA-100M (random weights, built here as its exporters write it)
    quantized by MatMulNBitsQuantizer (blocks of 32 with zero points, as
    model builders write it): one decode step over a 128-token key/value
    cache, and a prefill of 128 tokens. The decode line also gives the
    4-bit weights' bytes over each engine's time against bench/membw.c's
    read bandwidth, measured in the same run for a 1 GiB buffer and for a
    buffer of the weights' size;
  * one linear layer of 768 -> 3072 on 128 rows quantized with
    quantize_dynamic, the GEMM alone: its line also gives each engine's
    rate in GOP/s (2 M N K integer operations per run).

Each engine runs in a process of its own (bench/engine_worker.py), the
engines alternating for --runs rounds; a time is the median of all runs.
xfmr's models are compiled beforehand with --mcpu (default native);
OpenVINO's CPU plugin picks its own kernels for this machine (f32
arithmetic outside the quantized ops, as in bench/run_benchmarks.py).
Prints a Markdown table, with xfmr's and OpenVINO's largest error against
ORT on the first round's outputs (relative to the largest magnitude of
ORT's).

Usage: quantized_bench.py [--build-dir build] [--work DIR] [--threads 2]
                          [--runs 5] [--mcpu native] [--only NAME]
                          [--omp-blocktime MS] [--engines xfmr ort openvino]
"""

import argparse
import importlib.util
import json
import logging
import os
import statistics
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from run_benchmarks import static_model

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORKER = os.path.join(HERE, "engine_worker.py")
ENGINES = ["xfmr", "ort", "openvino"]
LABEL = {"xfmr": "xfmr", "ort": "ORT", "openvino": "OpenVINO"}
HIDDEN, FFN, BLOCKS = 768, 2048, 4


def ffn_stack(path, rows):
    rng = np.random.default_rng(0)
    nodes, inits, x = [], [], "x"
    for i in range(BLOCKS):
        w1 = (rng.standard_normal((HIDDEN, FFN)) / np.sqrt(HIDDEN))
        w2 = (rng.standard_normal((FFN, HIDDEN)) / np.sqrt(FFN))
        inits += [numpy_helper.from_array(w1.astype(np.float32), f"w1_{i}"),
                  numpy_helper.from_array(w2.astype(np.float32), f"w2_{i}")]
        nodes += [helper.make_node("MatMul", [x, f"w1_{i}"], [f"h{i}"]),
                  helper.make_node("Relu", [f"h{i}"], [f"r{i}"]),
                  helper.make_node("MatMul", [f"r{i}", f"w2_{i}"], [f"d{i}"]),
                  helper.make_node("Add", [x, f"d{i}"], [f"x{i}"])]
        x = f"x{i}"
    nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(
        nodes, "ffn_stack",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, HIDDEN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, HIDDEN])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


# LLaMA-100M (bench_llama_config of test/models/export_models.py): hidden
# 768, 12 layers, 12 heads of 64, 4 key/value heads, SwiGLU of 2048, a
# vocabulary of 32000 with the output projection tied to the embedding.
LLAMA = dict(hidden=768, layers=12, heads=12, kv_heads=4, ffn=2048,
             vocab=32000, head_dim=64, eps=1e-6, theta=10000.0)
LLAMA_PAST = 128


def llama(path, sequence, past):
    """LLaMA-100M as its exporters write it, with random weights: input_ids
    [1, sequence] (and past_key_i / past_value_i [1, 4, past, 64] when
    `past`, with position_ids), logits and present_key_i / present_value_i
    out. Written with onnx.helper: the exporters need torch, which is not
    installed everywhere the benchmark runs; the graph is the one they
    write (RMSNorm as Pow/ReduceMean/Sqrt, rotary embeddings from cos/sin
    tables, GQA by Expand, a causal mask on the prefill)."""
    c = LLAMA
    hidden, hd, heads, kv = c["hidden"], c["head_dim"], c["heads"], c["kv_heads"]
    total = past + sequence
    rng = np.random.default_rng(3)
    nodes, inits = [], []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def weight(name, shape):
        return init(name, (rng.standard_normal(shape) * 0.02)
                    .astype(np.float32))

    def rms_norm(x, name):
        sq = node("Mul", [x, x], f"{name}.sq")
        ms = node("ReduceMean", [sq], f"{name}.ms", axes=[-1])
        std = node("Sqrt", [node("Add", [ms, "eps"], f"{name}.add")],
                   f"{name}.std")
        normed = node("Div", [x, std], f"{name}.div")
        return node("Mul", [normed, init(f"{name}.g", np.ones(
            hidden, np.float32))], f"{name}.out")

    def rotary(x, name):
        first = node("Slice", [x, "zero1", "half1", "last1"], f"{name}.x1")
        second = node("Slice", [x, "half1", "dim1", "last1"], f"{name}.x2")
        rotated = node("Concat", [node("Neg", [second], f"{name}.neg"),
                                  first], f"{name}.rot", axis=-1)
        return node("Add", [node("Mul", [x, "cos"], f"{name}.c"),
                            node("Mul", [rotated, "sin"], f"{name}.s")],
                    f"{name}.out")

    init("eps", np.array(c["eps"], np.float32))
    init("zero1", np.array([0], np.int64))
    init("half1", np.array([hd // 2], np.int64))
    init("dim1", np.array([hd], np.int64))
    init("last1", np.array([-1], np.int64))
    init("scale", np.array(1 / np.sqrt(hd), np.float32))
    init("q_shape", np.array([1, sequence, heads, hd], np.int64))
    init("kv_shape", np.array([1, sequence, kv, hd], np.int64))
    init("kv5_shape", np.array([1, kv, 1, total, hd], np.int64))
    init("expand_shape", np.array([1, kv, heads // kv, total, hd], np.int64))
    init("heads_shape", np.array([1, heads, total, hd], np.int64))
    init("out_shape", np.array([1, sequence, hidden], np.int64))
    frequencies = 1.0 / c["theta"] ** (np.arange(0, hd, 2) / hd)
    angles = np.outer(np.arange(2048), frequencies)
    angles = np.concatenate([angles, angles], axis=-1)
    init("cos_table", np.cos(angles).astype(np.float32))
    init("sin_table", np.sin(angles).astype(np.float32))
    for table in ("cos", "sin"):
        rows = node("Gather", [f"{table}_table", "position_ids"],
                    f"{table}.rows")
        node("Unsqueeze", [rows, init(f"{table}.axes", np.array(
            [1], np.int64))], table)
    if sequence > 1:
        mask = np.triu(np.full((sequence, total), -np.inf, np.float32),
                       k=past + 1)
        init("mask", mask)
    embedding = weight("embed_tokens", (c["vocab"], hidden))
    x = node("Gather", [embedding, "input_ids"], "embed")
    inputs = [helper.make_tensor_value_info(
        "input_ids", TensorProto.INT64, [1, sequence]),
        helper.make_tensor_value_info(
        "position_ids", TensorProto.INT64, [1, sequence])]
    outputs = [helper.make_tensor_value_info(
        "logits", TensorProto.FLOAT, [1, sequence, c["vocab"]])]
    for i in range(c["layers"]):
        p = f"layers.{i}"
        h = rms_norm(x, f"{p}.input_norm")
        heads_of = {}
        for proj, width, shape in (("q", heads * hd, "q_shape"),
                                   ("k", kv * hd, "kv_shape"),
                                   ("v", kv * hd, "kv_shape")):
            y = node("MatMul", [h, weight(f"{p}.{proj}_proj",
                                          (hidden, width))],
                     f"{p}.{proj}_proj")
            y = node("Reshape", [y, shape], f"{p}.{proj}.heads")
            heads_of[proj] = node("Transpose", [y], f"{p}.{proj}.t",
                                  perm=[0, 2, 1, 3])
        q = rotary(heads_of["q"], f"{p}.q.rope")
        k = rotary(heads_of["k"], f"{p}.k.rope")
        v = heads_of["v"]
        for name, value in (("key", k), ("value", v)):
            present = f"present_{name}_{i}"
            if past:
                past_name = f"past_{name}_{i}"
                inputs.append(helper.make_tensor_value_info(
                    past_name, TensorProto.FLOAT, [1, kv, past, hd]))
                nodes.append(helper.make_node(
                    "Concat", [past_name, value], [present], axis=2))
            else:
                nodes.append(helper.make_node("Identity", [value], [present]))
            outputs.append(helper.make_tensor_value_info(
                present, TensorProto.FLOAT, [1, kv, total, hd]))
        grouped = {}
        for name in ("key", "value"):
            y = node("Reshape", [f"present_{name}_{i}", "kv5_shape"],
                     f"{p}.{name}.5d")
            y = node("Expand", [y, "expand_shape"], f"{p}.{name}.expand")
            grouped[name] = node("Reshape", [y, "heads_shape"],
                                 f"{p}.{name}.grouped")
        kt = node("Transpose", [grouped["key"]], f"{p}.kt", perm=[0, 1, 3, 2])
        scores = node("Mul", [node("MatMul", [q, kt], f"{p}.qk"), "scale"],
                      f"{p}.scores")
        if sequence > 1:
            scores = node("Add", [scores, "mask"], f"{p}.masked")
        probs = node("Softmax", [scores], f"{p}.probs", axis=-1)
        o = node("MatMul", [probs, grouped["value"]], f"{p}.pv")
        o = node("Transpose", [o], f"{p}.o.t", perm=[0, 2, 1, 3])
        o = node("Reshape", [o, "out_shape"], f"{p}.o.merged")
        o = node("MatMul", [o, weight(f"{p}.o_proj", (hidden, hidden))],
                 f"{p}.o_proj")
        x = node("Add", [x, o], f"{p}.attn.residual")
        h = rms_norm(x, f"{p}.post_norm")
        gate = node("MatMul", [h, weight(f"{p}.gate_proj", (hidden,
                                                            c["ffn"]))],
                    f"{p}.gate_proj")
        up = node("MatMul", [h, weight(f"{p}.up_proj", (hidden, c["ffn"]))],
                  f"{p}.up_proj")
        act = node("Mul", [gate, node("Sigmoid", [gate], f"{p}.sigmoid")],
                   f"{p}.silu")
        down = node("MatMul", [node("Mul", [act, up], f"{p}.gated"),
                               weight(f"{p}.down_proj", (c["ffn"], hidden))],
                    f"{p}.down_proj")
        x = node("Add", [x, down], f"{p}.mlp.residual")
    h = rms_norm(x, "norm")
    lm_head = init("lm_head", np.ascontiguousarray(
        numpy_helper.to_array(inits[[t.name for t in inits]
                                    .index(embedding)]).T))
    nodes.append(helper.make_node("MatMul", [h, lm_head], ["logits"]))
    graph = helper.make_graph(nodes, "llama_100m", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path, save_as_external_data=True,
              location=os.path.basename(path) + ".data")


def llama_feed(sequence, past, rng):
    c = LLAMA
    feed = {"input_ids": rng.integers(0, c["vocab"], size=(1, sequence)),
            "position_ids": np.arange(past, past + sequence)[None, :]}
    for i in range(c["layers"]):
        for name in ("key", "value"):
            if past:
                feed[f"past_{name}_{i}"] = rng.standard_normal(
                    (1, c["kv_heads"], past, c["head_dim"])).astype(
                        np.float32)
    return feed


def nbits_weight_bytes(path):
    """The bytes a step reads for the MatMulNBits weights: packed values,
    scales and zero points."""
    model = onnx.load(path, load_external_data=False)
    sizes = {t.name: int(np.prod(t.dims)) * (
        1 if t.data_type == TensorProto.UINT8 else 4)
        for t in model.graph.initializer}
    total = 0
    for n in model.graph.node:
        if n.op_type == "MatMulNBits":
            total += sum(sizes.get(i, 0) for i in n.input[1:4])
    return total


GEMM_ROWS, GEMM_K, GEMM_N = 128, 768, 3072


def single_linear(path):
    rng = np.random.default_rng(2)
    w = (rng.standard_normal((GEMM_K, GEMM_N)) / np.sqrt(GEMM_K))
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                       [GEMM_ROWS, GEMM_K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       [GEMM_ROWS, GEMM_N])],
        [numpy_helper.from_array(w.astype(np.float32), "w")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


# BERT-base (as bench/run_benchmarks.py runs it): 12 layers, hidden 768, 12
# heads, FFN 3072, vocabulary 30522, 512 positions; batch 1, sequence 128.
BERT_BASE = dict(layers=12, hidden=768, heads=12, ffn=3072, vocab=30522,
                 positions=512, rows=128)


def bert_base(path):
    """BERT-base in the ops of a PyTorch export of transformers' BertModel
    (eager attention: MatMul + Add projections, Reshape/Transpose into
    heads, scaled scores plus the additive mask, Softmax, erf GELU,
    LayerNormalization), with random weights drawn as BERT initialises
    them, static shapes [1, 128]. Used when the exported model
    (test/models/export_models.py --bench) is not there."""
    c = BERT_BASE
    d, h, f, s = c["hidden"], c["heads"], c["ffn"], c["rows"]
    rng = np.random.default_rng(3)
    inits, nodes = [], []

    def init(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def weight(name, *shape):
        return init(name, (rng.standard_normal(shape) * 0.02)
                    .astype(np.float32))

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def dense(x, name, k, n):
        y = node("MatMul", [x, weight(name + ".weight", k, n)], name + ".mm")
        return node("Add", [y, init(name + ".bias", np.zeros(
            n, np.float32))], name + ".out")

    def layer_norm(x, name):
        return node("LayerNormalization",
                    [x, init(name + ".gamma", np.ones(d, np.float32)),
                     init(name + ".beta", np.zeros(d, np.float32))],
                    name + ".out", axis=-1, epsilon=1e-12)

    heads_shape = init("heads_shape", np.array([1, s, h, d // h], np.int64))
    rows_shape = init("rows_shape", np.array([1, s, d], np.int64))
    x = node("Add", [node("Gather", [weight("word", c["vocab"], d),
                                     "input_ids"], "word.out"),
                     node("Gather", [weight("position", c["positions"], d),
                                     init("position_ids",
                                          np.arange(s, dtype=np.int64)[None])],
                          "position.out")], "embed.sum")
    x = node("Add", [x, node("Gather", [weight("token_type", 2, d),
                                        init("token_type_ids", np.zeros(
                                            (1, s), np.int64))],
                             "token_type.out")], "embed.out")
    x = layer_norm(x, "embed.norm")
    mask = node("Cast", ["attention_mask"], "mask.float", to=TensorProto.FLOAT)
    mask = node("Sub", [init("one", np.float32(1)), mask], "mask.inverse")
    mask = node("Mul", [mask, init("min", np.float32(
        np.finfo(np.float32).min))], "mask.additive")
    mask = node("Unsqueeze", [mask, init("mask_axes", np.array(
        [1, 2], np.int64))], "mask.out")
    for i in range(c["layers"]):
        p = f"layer{i}"
        split = {}
        for part, perm in (("q", [0, 2, 1, 3]), ("k", [0, 2, 3, 1]),
                           ("v", [0, 2, 1, 3])):
            y = node("Reshape", [dense(x, f"{p}.{part}", d, d), heads_shape],
                     f"{p}.{part}.heads")
            split[part] = node("Transpose", [y], f"{p}.{part}.t", perm=perm)
        scores = node("MatMul", [split["q"], split["k"]], f"{p}.scores")
        scores = node("Div", [scores, init(f"{p}.sqrt_d", np.float32(
            np.sqrt(d // h)))], f"{p}.scaled")
        scores = node("Add", [scores, mask], f"{p}.masked")
        probs = node("Softmax", [scores], f"{p}.probs", axis=-1)
        context = node("MatMul", [probs, split["v"]], f"{p}.context")
        context = node("Transpose", [context], f"{p}.context.t",
                       perm=[0, 2, 1, 3])
        context = node("Reshape", [context, rows_shape], f"{p}.context.rows")
        attn = dense(context, f"{p}.attn_out", d, d)
        x = layer_norm(node("Add", [attn, x], f"{p}.res1"), f"{p}.norm1")
        up = dense(x, f"{p}.up", d, f)
        erf = node("Erf", [node("Div", [up, init(f"{p}.sqrt2", np.float32(
            np.sqrt(2)))], f"{p}.gelu.div")], f"{p}.gelu.erf")
        erf = node("Add", [erf, init(f"{p}.gelu.one", np.float32(1))],
                   f"{p}.gelu.add")
        gelu = node("Mul", [node("Mul", [up, erf], f"{p}.gelu.mul"),
                            init(f"{p}.gelu.half", np.float32(0.5))],
                    f"{p}.gelu.out")
        down = dense(gelu, f"{p}.down", f, d)
        x = layer_norm(node("Add", [down, x], f"{p}.res2"), f"{p}.norm2")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"]))
    ids = [helper.make_tensor_value_info(name, TensorProto.INT64, [1, s])
           for name in ("input_ids", "attention_mask")]
    graph = helper.make_graph(
        nodes, "bert_base", ids,
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                       [1, s, d])], inits)
    model = helper.make_model(graph, opset_imports=[
        helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def token_feed(names, rng):
    """One sequence of BERT_BASE["rows"] random tokens, all attended, for
    the inputs of a BERT-like model (`token_type_ids` all 0)."""
    shape = (1, BERT_BASE["rows"])
    fill = {"attention_mask": np.ones(shape, np.int64),
            "token_type_ids": np.zeros(shape, np.int64)}
    return {n: fill[n] if n in fill else
            rng.integers(0, BERT_BASE["vocab"], size=shape).astype(np.int64)
            for n in names}


class RandomTokens:
    """A few batches of random tokens (all attended) to calibrate the
    static scales of the QDQ form, as a user's small calibration set."""

    def __init__(self, names, batches=4):
        rng = np.random.default_rng(5)
        self._feeds = iter([token_feed(names, rng) for _ in range(batches)])

    def get_next(self):
        return next(self._feeds, None)


def quantize(source, form, path):
    # ORT's quantizers log every node they visit and advise pre-processing.
    logging.getLogger().setLevel(logging.ERROR)
    logging.getLogger("onnxruntime.quantization").setLevel(logging.ERROR)
    if form == "qdq":
        from onnxruntime.quantization import (QuantFormat, quantize_static)
        graph = onnx.load(source, load_external_data=False).graph
        initializers = {i.name for i in graph.initializer}
        names = [i.name for i in graph.input if i.name not in initializers]
        quantize_static(source, path, RandomTokens(names),
                        quant_format=QuantFormat.QDQ)
    elif form == "int8":
        from onnxruntime.quantization import QuantType, quantize_dynamic
        quantize_dynamic(source, path, weight_type=QuantType.QInt8)
    else:
        from onnxruntime.quantization.matmul_nbits_quantizer import \
            MatMulNBitsQuantizer
        q = MatMulNBitsQuantizer(onnx.load(source), block_size=32,
                                 is_symmetric=False)
        q.process()
        onnx.save(q.model.model, path)


def models(work, only="", minilm=None):
    """(name, onnx path, feed, --dim flags) of each benchmark."""
    out = []
    rng = np.random.default_rng(1)
    tests = os.path.join(ROOT, "test", "models")
    ids = rng.integers(0, 1000, size=(2, 16)).astype(np.int64)
    for form in ("int8", "int4"):
        out.append((f"bert-{form} 2x16", os.path.join(
            tests, f"bert-{form}.dynamo.onnx"),
            {"input_ids": ids, "attention_mask": np.ones_like(ids)},
            ["--dim=batch=2", "--dim=sequence=16"]))
    for rows in (1, 128):
        source = os.path.join(work, f"ffn-{rows}.onnx")
        if not os.path.exists(source):
            ffn_stack(source, rows)
        x = rng.standard_normal((rows, HIDDEN)).astype(np.float32)
        for form in ("int8", "int4"):
            name = f"ffn-stack-{form} {rows}x768"
            path = os.path.join(work, f"ffn-{rows}-{form}.onnx")
            if only in name and not os.path.exists(path):
                quantize(source, form, path)
            out.append((name, path, {"x": x}, []))
    if "bert-base" in only or not only:
        # The exported BERT-base of bench/run_benchmarks.py when it is there,
        # else the same architecture built here.
        source = os.path.join(ROOT, "build", "bench", "models",
                              "bert-base.torchscript.onnx")
        if not os.path.exists(source):
            source = os.path.join(work, "bert-base.onnx")
            if not os.path.exists(source):
                bert_base(source)
        feed = token_feed(["input_ids", "attention_mask"],
                          np.random.default_rng(4))
        # quantize_dynamic with ORT's defaults (int8 weights per tensor), as
        # a user would run it; the
        # QDQ form with quantize_static's defaults and a few calibration
        # batches.
        for form in ("int8", "qdq"):
            path = os.path.join(work, f"bert-base-{form}.onnx")
            if not os.path.exists(path):
                quantize(source, form, path)
            out.append((f"bert-base-{form} 1x128", path, feed, []))
    if "minilm" in only or not only:
        # all-MiniLM-L6-v2 with its trained weights, as `make demo` exports
        # it, quantized by each of ORT's tools.
        source = minilm
        feed = token_feed(["input_ids", "attention_mask", "token_type_ids"],
                          np.random.default_rng(6))
        for form in ("int8", "qdq", "int4"):
            path = os.path.join(work, f"minilm-{form}.onnx")
            if not os.path.exists(source):
                print(f"no {source} (`make demo` exports it): the MiniLM "
                      "rows are left out", file=sys.stderr)
                break
            if not os.path.exists(path):
                quantize(source, form, path)
            out.append((f"minilm-{form} 1x128", path, feed,
                        ["--dim=batch=1", f"--dim=sequence={BERT_BASE['rows']}"]))
    for name, sequence, past in (("llama-100m-int4 decode", 1, LLAMA_PAST),
                                 ("llama-100m-int4 prefill 128", 128, 0)):
        stem = os.path.join(work, f"llama-{sequence}-{past}")
        path = stem + "-int4.onnx"
        if only in name and not os.path.exists(path):
            if not os.path.exists(stem + ".onnx"):
                llama(stem + ".onnx", sequence, past)
            quantize(stem + ".onnx", "int4", path)
        out.append((name, path, llama_feed(sequence, past, rng), []))
    source = os.path.join(work, "linear.onnx")
    path = os.path.join(work, "linear-int8.onnx")
    if not os.path.exists(path):
        single_linear(source)
        quantize(source, "int8", path)
    x = rng.standard_normal((GEMM_ROWS, GEMM_K)).astype(np.float32)
    out.append((f"gemm-int8 {GEMM_ROWS}x{GEMM_K}x{GEMM_N}", path, {"x": x},
                []))
    return out


def read_bandwidth(args, mib):
    """bench/membw.c's best read rate (GB/s) of a buffer of `mib` MiB on
    --threads threads, built once into the work dir."""
    binary = os.path.join(args.work, "membw")
    if not os.path.exists(binary):
        subprocess.run(["cc", "-O3", "-march=native", "-fopenmp",
                        os.path.join(HERE, "membw.c"), "-o", binary],
                       check=True)
    out = subprocess.run([binary, str(max(1, mib)), "8", str(args.threads)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.split(":")[1].split()[0])


def run_worker(args, engine, job_path, tag, outputs=None):
    result = f"{job_path}.{engine}.{tag}.json"
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    if args.omp_blocktime is not None:
        env["KMP_BLOCKTIME"] = str(args.omp_blocktime)
    subprocess.run([sys.executable, WORKER, engine, job_path, result] +
                   (["--outputs", outputs] if outputs else []),
                   env=env, capture_output=True)
    if not os.path.exists(result):
        return {"error": "crashed"}
    with open(result) as f:
        return json.load(f)


def max_error(stem, engine="xfmr"):
    """`engine`'s largest error against ORT over the outputs of the first
    round, relative to the largest magnitude of ORT's output."""
    try:
        with np.load(f"{stem}.{engine}.npz") as x, \
                np.load(f"{stem}.ort.npz") as o:
            error = max(float(np.abs(x[n] - o[n]).max() / np.abs(o[n]).max())
                        for n in o.files)
        return f"{error:.1e}"
    except (OSError, KeyError, ValueError):
        return "-"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--work")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=2.0)
    parser.add_argument("--mcpu", default="native")
    parser.add_argument("--omp-blocktime", type=int,
                        help="KMP_BLOCKTIME (ms) of xfmr's OpenMP threads: "
                        "how long they spin after a parallel loop before "
                        "sleeping (libomp's default: 200). 0 suits a "
                        "machine whose cores other processes keep busy")
    parser.add_argument("--only", default="",
                        help="only the benchmarks whose name contains this")
    parser.add_argument("--minilm", help="all-MiniLM-L6-v2's ONNX export "
                        "(default: build/demo/all-MiniLM-L6-v2.onnx, where "
                        "`make demo` writes it)")
    parser.add_argument("--engines", nargs="+", choices=ENGINES,
                        default=ENGINES, help="xfmr and ORT always run (ORT "
                        "is the reference); OpenVINO where installed")
    args = parser.parse_args()
    args.work = args.work or os.path.join(args.build_dir, "bench",
                                          "quantized")
    os.makedirs(args.work, exist_ok=True)
    args.minilm = args.minilm or os.path.join(args.build_dir, "demo",
                                              "all-MiniLM-L6-v2.onnx")
    engines = ["xfmr", "ort"]
    if "openvino" in args.engines:
        if importlib.util.find_spec("openvino"):
            engines.append("openvino")
        else:
            print(f"OpenVINO is not installed for {sys.executable}: "
                  "its column is left out", file=sys.stderr)
    peers = [e for e in engines if e != "xfmr"]
    print("| model | " + " | ".join(f"{LABEL[e]} (ms)" for e in engines)
          + " | " + " | ".join(f"xfmr / {LABEL[e]}" for e in peers)
          + " | max rel error: xfmr"
          + (", OpenVINO" if "openvino" in engines else "") + " |\n|---|"
          + "---:|" * (2 * len(engines) - 1) + "---:|")
    for name, path, feed, dims in models(args.work, args.only, args.minilm):
        if args.only not in name:
            continue
        stem = os.path.join(args.work, name.replace(" ", "-"))
        library = f"{stem}-{args.mcpu}.so"
        compiler = os.path.join(args.build_dir, "bin", "xfmr-compile")
        # A library newer than the compiler and the model is reused (the
        # thread count is a run-time setting).
        fresh = os.path.exists(library) and os.path.getmtime(library) > max(
            os.path.getmtime(compiler), os.path.getmtime(path))
        compiled = subprocess.CompletedProcess([], 0) if fresh else \
            subprocess.run([compiler, path, "-o", library,
                            f"--mcpu={args.mcpu}", *dims],
                           capture_output=True, text=True)
        if compiled.returncode:
            print(f"| {name} | compile failed |" + " |" * (2 * len(engines)))
            continue
        np.savez(stem + ".inputs.npz", **feed)
        job = {"onnx": path, "threads": args.threads, "warmup": 3,
               "seconds": args.min_time / args.runs, "min_runs": 5,
               "max_runs": 2000, "inputs": stem + ".inputs.npz",
               "input_names": list(feed), "output_names": [
                   o.name for o in onnx.load(path).graph.output],
               "xfmr_runtime": os.path.join(args.build_dir, "lib",
                                            "libxfmr_runtime.so"),
               "xfmr_library": library,
               "openvino_cache": os.path.join(args.work, "openvino-cache")}
        if "openvino" in engines:
            job["static_onnx"] = stem + ".static.onnx"
            static_model(path, feed, job["static_onnx"])
        job_path = stem + ".job.json"
        with open(job_path, "w") as f:
            json.dump(job, f)
        times = {e: [] for e in engines}
        for r in range(args.runs):
            order = engines if r % 2 == 0 else engines[::-1]
            for engine in order:
                outputs = f"{stem}.{engine}.npz" if r == 0 else None
                result = run_worker(args, engine, job_path, r, outputs)
                times[engine] += result.get("times", [])
        ms = {e: statistics.median(t) * 1e3 if t else float("nan")
              for e, t in times.items()}
        rates = ""
        if name.startswith("gemm"):
            ops = 2 * GEMM_ROWS * GEMM_K * GEMM_N
            rates = " (GOP/s: " + ", ".join(
                f"{LABEL[e]} {ops / ms[e] / 1e6:.0f}" for e in engines) + ")"
        if "int4 decode" in name:
            # The step reads every 4-bit weight once: its rate against the
            # memory's (a DRAM-sized buffer) and against a buffer of the
            # weights' size (which may sit in the last-level cache).
            weights = nbits_weight_bytes(path)
            dram = read_bandwidth(args, 1024)
            same = read_bandwidth(args, weights >> 20)
            rate = {e: weights / (ms[e] * 1e-3) / 1e9 for e in ms}
            rates = (f" ({weights / 1e6:.1f} MB of weights; GB/s: "
                     + ", ".join(f"{LABEL[e]} {rate[e]:.1f}" for e in engines)
                     + f"; membw {dram:.1f} (1 GiB), {same:.1f} "
                     f"({weights >> 20} MiB); xfmr at "
                     f"{rate['xfmr'] / dram:.0%} / "
                     f"{rate['xfmr'] / same:.0%})")
        errors = [max_error(stem)] + (
            [max_error(stem, "openvino")] if "openvino" in engines else [])
        print(f"| {name}{rates} | "
              + " | ".join(f"{ms[e]:.3f}" for e in engines) + " | "
              + " | ".join(f"{ms['xfmr'] / ms[e]:.2f}" for e in peers)
              + " | " + ", ".join(errors) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
