#!/usr/bin/env python3
"""Runs ONNX Attention (opset 23) models of many shapes against ONNX Runtime.

Each case is one Attention node (causal or not, MHA/GQA/MQA, masks of several
ranks and kinds, past key/value, dynamic dims), built here with onnx.helper.
The script draws inputs (fixed seed), runs ONNX Runtime, compiles the model
with `xfmr-compile` in several lowerings of attention (flash attention with
the default tiles, flash attention with small tiles that leave partial
blocks, and the whole-matrix lowering), runs each with `xfmr-run --expected`,
and fails when an output's error exceeds the tolerance (relative to the
output's largest magnitude). One line per case and lowering.

The `alibi` cases are not an Attention node but BLOOM's attention as its
exporters write it (heads merged into the batch, scores by baddbmm with an
ALiBi bias built from the attention mask's cumulative sum, a finite additive
mask), with a padding mask that has left padding and holes: the compile must
fuse the block into one xfmr.attention (checked on its fusion report) and
match ONNX Runtime.

Usage: attention_tests.py --compile build/bin/xfmr-compile
                          --run build/bin/xfmr-run --work DIR [--filter NAME]
"""

import argparse
import os
import re
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_tests import compile_and_compare  # noqa: E402

RELATIVE_TOLERANCE = 1e-5

LOWERINGS = {
    "flash": [],
    "flash-small-tiles": ["--attention-q-block=16", "--attention-kv-block=8"],
    "whole-matrix": ["--flash-attention=false"],
}

# b, hq, hkv, sq, skv, d, dv, past (None: no past), causal, mask (None,
# "add2d": [Sq, T] additive, "bool4d": [B, 1, Sq, T] keep-mask, "addhead":
# [1, Hq, 1, T] additive, "bool-rows": [Sq, T] keep-mask with rows all
# false), dynamic (symbolic batch and sequence dims), reference ("onnx":
# ONNX's reference implementation instead of ONNX Runtime, which rejects a
# mask broadcast along the query dim and gives NaN rows where every key is
# masked, where ONNX's reference and xfmr.attention give zeros).
CASES = [
    dict(name="mha_causal", b=2, hq=4, hkv=4, sq=37, skv=37, d=16, dv=16),
    dict(name="gqa_causal_dynamic", b=1, hq=8, hkv=2, sq=70, skv=70, d=32,
         dv=32, dynamic=True),
    dict(name="mqa_noncausal_add2d", b=1, hq=4, hkv=1, sq=20, skv=45, d=8,
         dv=12, causal=False, mask="add2d"),
    dict(name="gqa_past_causal", b=1, hq=6, hkv=3, sq=5, skv=5, d=16, dv=16,
         past=23),
    dict(name="past_decode_dynamic", b=2, hq=4, hkv=2, sq=1, skv=1, d=16,
         dv=16, past=40, dynamic=True),
    dict(name="past_decode_static", b=1, hq=8, hkv=2, sq=1, skv=1, d=16,
         dv=16, past=300),
    dict(name="past_prefill_bool4d", b=2, hq=2, hkv=2, sq=19, skv=19, d=8,
         dv=8, past=9, causal=False, mask="bool4d"),
    # ONNX's reference reads the query length off the mask, so a mask
    # broadcast along the query dim is checked without is_causal.
    dict(name="per_head_mask", b=1, hq=4, hkv=4, sq=33, skv=33, d=16, dv=16,
         causal=False, mask="addhead", dynamic=True, reference="onnx"),
    dict(name="fully_masked_rows", b=1, hq=2, hkv=2, sq=12, skv=30, d=8,
         dv=8, causal=False, mask="bool-rows", reference="onnx"),
    dict(name="alibi_padded", graph="alibi", b=2, hq=4, sq=37, d=16),
    dict(name="alibi_padded_dynamic", graph="alibi", b=3, hq=8, sq=70, d=8,
         dynamic=True),
]


def alibi_slopes(heads):
    """BLOOM's slopes for a power-of-two head count: 2^(-8 i / heads)."""
    return np.array([2.0 ** (-8.0 * (i + 1) / heads) for i in range(heads)],
                    dtype=np.float32)


def make_alibi_case(c):
    """BLOOM's eager attention over q, k, v [B, H, S, D] and an int64
    attention mask [B, S], as both PyTorch exporters spell it."""
    b, h, s, d = c["b"], c["hq"], c["sq"], c["d"]
    dyn = c.get("dynamic", False)
    batch, seq = ("batch", "seq") if dyn else (b, s)

    def const(name, value):
        return helper.make_node("Constant", [], [name],
                                value=numpy_helper.from_array(
                                    np.asarray(value), name))

    def shape_of(name, tensor, start, end):
        return helper.make_node("Shape", [tensor], [name], start=start,
                                end=end)

    nodes = [
        const("slopes", alibi_slopes(h).reshape(h, 1)),
        const("one", np.array(1, dtype=np.int64)),
        const("axis", np.array(-1, dtype=np.int64)),
        const("axis1", np.array([1], dtype=np.int64)),
        const("heads", np.array([h], dtype=np.int64)),
        const("ones", np.array([1], dtype=np.int64)),
        const("minus1", np.array([-1], dtype=np.int64)),
        const("head_dim", np.array([d], dtype=np.int64)),
        const("scale", np.array(1.0 / np.sqrt(d), dtype=np.float32)),
        const("zero_f", np.array(0.0, dtype=np.float32)),
        const("min_f", np.array(np.finfo(np.float32).min, dtype=np.float32)),
        shape_of("B", "attention_mask", 0, 1),
        shape_of("S", "attention_mask", 1, 2),
        helper.make_node("Mul", ["B", "heads"], ["BH"]),
        # positions = (cumsum(mask) - 1) * mask: the attended keys before j.
        helper.make_node("CumSum", ["attention_mask", "axis"], ["cumsum"]),
        helper.make_node("Sub", ["cumsum", "one"], ["cumsum1"]),
        helper.make_node("Mul", ["cumsum1", "attention_mask"], ["pos"]),
        helper.make_node("Unsqueeze", ["pos", "axis1"], ["pos1"]),
        helper.make_node("Cast", ["pos1"], ["posf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["slopes", "posf"], ["alibi3"]),
        helper.make_node("Concat", ["BH", "ones", "S"], ["alibi_shape"],
                         axis=0),
        helper.make_node("Reshape", ["alibi3", "alibi_shape"], ["alibi"]),
        helper.make_node("Concat", ["BH", "S", "head_dim"], ["flat_shape"],
                         axis=0),
        helper.make_node("Reshape", ["q", "flat_shape"], ["q3"]),
        helper.make_node("Reshape", ["k", "flat_shape"], ["k3"]),
        helper.make_node("Transpose", ["k3"], ["kt3"], perm=[0, 2, 1]),
        helper.make_node("Reshape", ["v", "flat_shape"], ["v3"]),
        helper.make_node("MatMul", ["q3", "kt3"], ["qk"]),
        helper.make_node("Mul", ["qk", "scale"], ["qk_scaled"]),
        helper.make_node("Add", ["qk_scaled", "alibi"], ["baddbmm"]),
        helper.make_node("Concat", ["B", "heads", "S", "minus1"],
                         ["scores_shape"], axis=0),
        helper.make_node("Reshape", ["baddbmm", "scores_shape"], ["scores"]),
        # Causal and padding: a finite additive mask, as BLOOM's.
        helper.make_node("Squeeze", ["S"], ["s_scalar"]),
        const("zero_i", np.array(0, dtype=np.int64)),
        helper.make_node("Range", ["zero_i", "s_scalar", "one"], ["idx"]),
        helper.make_node("Unsqueeze", ["idx", "axis1"], ["rows"]),
        helper.make_node("LessOrEqual", ["idx", "rows"], ["causal"]),
        helper.make_node("Cast", ["attention_mask"], ["keep_keys"],
                         to=TensorProto.BOOL),
        const("axes12", np.array([1, 2], dtype=np.int64)),
        helper.make_node("Unsqueeze", ["keep_keys", "axes12"], ["keep4"]),
        helper.make_node("And", ["causal", "keep4"], ["keep"]),
        helper.make_node("Where", ["keep", "zero_f", "min_f"], ["mask"]),
        helper.make_node("Add", ["scores", "mask"], ["masked"]),
        helper.make_node("Softmax", ["masked"], ["probs"], axis=-1),
        helper.make_node("Concat", ["BH", "S", "minus1"], ["probs_shape"],
                         axis=0),
        helper.make_node("Reshape", ["probs", "probs_shape"], ["probs3"]),
        helper.make_node("MatMul", ["probs3", "v3"], ["o3"]),
        helper.make_node("Concat", ["B", "heads", "S", "head_dim"],
                         ["out_shape"], axis=0),
        helper.make_node("Reshape", ["o3", "out_shape"], ["y"]),
    ]
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT,
                                            [batch, h, seq, d])
              for n in ("q", "k", "v")]
    inputs.append(helper.make_tensor_value_info(
        "attention_mask", TensorProto.INT64, [batch, seq]))
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    rng = np.random.default_rng(0)
    feeds = {n: rng.standard_normal((b, h, s, d)).astype(np.float32)
             for n in ("q", "k", "v")}
    # Left padding in the first row, holes in the others: positions that
    # are not the key index shifted per row.
    mask = np.ones((b, s), dtype=np.int64)
    mask[0, :5] = 0
    for row in range(1, b):
        mask[row, rng.choice(s, size=s // 4, replace=False)] = 0
        mask[row, 0] = 1
    feeds["attention_mask"] = mask
    model = helper.make_model(
        helper.make_graph(nodes, c["name"], inputs, outputs),
        opset_imports=[helper.make_opsetid("", 17)])
    return model, feeds


def make_case(case):
    if case.get("graph") == "alibi":
        return make_alibi_case(case)
    c = {"causal": True, "past": None, "mask": None, "dynamic": False,
         "reference": "ort", **case}
    b, hq, hkv, sq, skv = c["b"], c["hq"], c["hkv"], c["sq"], c["skv"]
    d, dv, past = c["d"], c["dv"], c["past"]
    total = skv + (past or 0)
    dyn = c["dynamic"]
    batch = "batch" if dyn else b
    seq = "seq" if dyn else sq
    kv_seq = "kv_seq" if dyn else skv
    past_seq = "past_seq" if dyn else past
    total_seq = "total_seq" if dyn else total

    def info(name, elem, shape):
        return helper.make_tensor_value_info(name, elem, shape)

    inputs = [info("q", TensorProto.FLOAT, [batch, hq, seq, d]),
              info("k", TensorProto.FLOAT, [batch, hkv, kv_seq, d]),
              info("v", TensorProto.FLOAT, [batch, hkv, kv_seq, dv])]
    names = ["q", "k", "v"]
    rng = np.random.default_rng(0)
    feeds = {"q": rng.standard_normal((b, hq, sq, d)).astype(np.float32),
             "k": rng.standard_normal((b, hkv, skv, d)).astype(np.float32),
             "v": rng.standard_normal((b, hkv, skv, dv)).astype(np.float32)}
    mask = c["mask"]
    if mask:
        if mask == "add2d":
            shape, sym = (sq, total), [seq, total_seq]
            value = rng.uniform(-2, 2, shape).astype(np.float32)
            value[:, ::7] = -np.inf
            elem = TensorProto.FLOAT
        elif mask == "addhead":
            shape, sym = (1, hq, 1, total), [1, hq, 1, total_seq]
            value = rng.uniform(-2, 2, shape).astype(np.float32)
            elem = TensorProto.FLOAT
        elif mask == "bool4d":
            shape, sym = (b, 1, sq, total), [batch, 1, seq, total_seq]
            value = rng.uniform(size=shape) < 0.7
            value[..., 0] = True
            elem = TensorProto.BOOL
        else:  # bool-rows
            shape, sym = (sq, total), [seq, total_seq]
            value = rng.uniform(size=shape) < 0.5
            value[::3] = False
            elem = TensorProto.BOOL
        inputs.append(info("mask", elem, sym))
        names.append("mask")
        feeds["mask"] = value
    else:
        names.append("")
    outputs = [info("y", TensorProto.FLOAT, None)]
    if past is not None:
        inputs += [info("past_k", TensorProto.FLOAT, [batch, hkv, past_seq, d]),
                   info("past_v", TensorProto.FLOAT,
                        [batch, hkv, past_seq, dv])]
        names += ["past_k", "past_v"]
        feeds["past_k"] = rng.standard_normal((b, hkv, past, d)).astype(
            np.float32)
        feeds["past_v"] = rng.standard_normal((b, hkv, past, dv)).astype(
            np.float32)
        outputs += [info("present_k", TensorProto.FLOAT, None),
                    info("present_v", TensorProto.FLOAT, None)]
    while names and names[-1] == "":
        names.pop()
    node = helper.make_node("Attention", names,
                            [o.name for o in outputs],
                            is_causal=int(c["causal"]))
    model = helper.make_model(
        helper.make_graph([node], c["name"], inputs, outputs),
        opset_imports=[helper.make_opsetid("", 23)])
    return model, feeds


def reference(model, feeds, case):
    if case.get("reference") == "onnx":
        from onnx.reference import ReferenceEvaluator
        evaluator = ReferenceEvaluator(model)
        names = [o.name for o in model.graph.output]
        return dict(zip(names, evaluator.run(None, feeds)))
    import onnxruntime as ort
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, feeds)))


def check_case(args, case):
    model, feeds = make_case(case)
    work = os.path.join(args.work, case["name"])
    os.makedirs(work, exist_ok=True)
    model_path = os.path.join(work, "model.onnx")
    onnx.save(model, model_path)
    expected = reference(model, feeds, case)
    scale = max(float(np.abs(v).max()) for v in expected.values())

    def fused_into_one_attention(stderr):
        if case.get("graph") and not re.search(
                r"^\s*attention\s+1\s+0\s*$", stderr, re.M):
            return "not fused into one attention"
        return None

    modes = {lowering: ["--fusion-report", *flags]
             for lowering, flags in LOWERINGS.items()}
    return compile_and_compare(args, work, model_path, feeds, expected,
                               scale, RELATIVE_TOLERANCE * scale, modes,
                               fused_into_one_attention)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--filter", default="")
    args = parser.parse_args()
    failed = total = 0
    for case in CASES:
        if args.filter not in case["name"]:
            continue
        for lowering, error, why in check_case(args, case):
            total += 1
            failed += why is not None
            shown = "-" if error is None else f"{error:.2e}"
            print(f"{'ok' if why is None else 'FAIL':4} {case['name']:24} "
                  f"{lowering:18} max rel error {shown}"
                  + (f"  ({why})" if why else ""))
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
