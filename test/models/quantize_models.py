#!/usr/bin/env python3
"""Quantize a test model with ONNX Runtime's own quantization tools.

The quantized models of test/models are derived from `bert.dynamo.onnx` by
the three tools users run on their models:

  * bert-int8.dynamo.onnx: `quantize_dynamic` (int8 weights per tensor,
    uint8 activations quantized at run time: DynamicQuantizeLinear,
    MatMulInteger, and the embeddings as uint8 with a DequantizeLinear);
  * bert-qdq.dynamo.onnx: `quantize_static` in the QDQ format (int8 weights
    per output channel, uint8 activations with scales calibrated on a few
    random inputs: QuantizeLinear/DequantizeLinear pairs around each MatMul);
  * bert-int4.dynamo.onnx: `MatMulNBitsQuantizer` (4-bit weights in blocks of
    32 with zero points: com.microsoft MatMulNBits), the form of LLM model
    builders' int4 exports.

Each gets a JSON beside it, as the exported models do, with the tolerance of
the models-vs-ORT test for its form (see TOLERANCES). Needs onnx,
onnxruntime and onnx-ir (MatMulNBitsQuantizer's dependency); the output is
deterministic. Called by export_models.py after the exports, or alone:

    python test/models/quantize_models.py --out test/models
"""

import argparse
import copy
import json
import logging
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                      QuantType, quantize_dynamic,
                                      quantize_static)

SOURCE = "bert.dynamo"

# The relative error (of the largest output magnitude) the models-vs-ORT test
# allows against ONNX Runtime running the same quantized model.
TOLERANCES = {
    # int8 dynamic: both engines compute the same scale, zero point and
    # round-half-to-even quantization in f32 and multiply exactly in int32,
    # so the outputs agree to f32 rounding (measured: 3e-7). A value that
    # lands within rounding error of a .5 step would be quantized one step
    # apart, moving a product by scale_a * scale_w * |w| (about 1e-3 of the
    # outputs at these sizes); the tolerance allows a few such flips.
    "int8": 1e-2,
    # QDQ: the same, with constant scales; the projections run as integer
    # layers in both engines. The attention's scores and probabilities are
    # quantized too, which ORT rounds to 8-bit steps and xfmr's fused
    # attention keeps in f32 (the probabilities of a row of 16 keys, near
    # 1/16 each, move by up to half a step of 1/255, a few percent of
    # themselves): measured 9.5e-3 of the outputs' scale (2.3e-7 while
    # xfmr rounded them too, before attention fused); twice that allowed.
    "qdq": 2e-2,
    # int4 weight-only: the 4-bit weights dequantize exactly in f32 (q - zp
    # is a small integer times a float scale), and ORT computes the matmul in
    # f32 too (accuracy_level 0), so only the summation order differs, as
    # for the f32 models.
    "int4": 1e-4,
}


class RandomTokens(CalibrationDataReader):
    """A few batches of random tokens, drawn as the models-vs-ORT test draws
    its inputs, to calibrate the static scales."""

    def __init__(self, spec, batches=4):
        rng = np.random.default_rng(7)
        feeds = []
        for _ in range(batches):
            feed = {}
            for i in spec["inputs"]:
                shape = i["example_shape"]
                r = i["range"]
                if r["kind"] == "integer_uniform":
                    feed[i["name"]] = rng.integers(
                        r["low"], r["high"], size=shape).astype(np.int64)
                else:
                    feed[i["name"]] = np.ones(shape, dtype=np.int64)
            feeds.append(feed)
        self._feeds = iter(feeds)

    def get_next(self):
        return next(self._feeds, None)


def quantize_int8(source, path, spec):
    quantize_dynamic(source, path, weight_type=QuantType.QInt8)


def quantize_qdq(source, path, spec):
    quantize_static(source, path, RandomTokens(spec),
                    quant_format=QuantFormat.QDQ, op_types_to_quantize=["MatMul"],
                    per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8)


def quantize_int4(source, path, spec):
    from onnxruntime.quantization.matmul_nbits_quantizer import \
        MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(onnx.load(source), block_size=32,
                                     is_symmetric=False)
    quantizer.process()
    onnx.save(quantizer.model.model, path)


FORMS = {
    "int8": (quantize_int8, "int8 dynamic (quantize_dynamic): int8 weights "
             "per tensor, uint8 activations quantized at run time"),
    "qdq": (quantize_qdq, "QDQ (quantize_static): int8 weights per channel, "
            "uint8 activations with calibrated scales"),
    "int4": (quantize_int4, "int4 weight-only (MatMulNBitsQuantizer): "
             "4-bit weights in blocks of 32 with zero points"),
}

# The blocks each form must fuse (or, under not_fused_yet, report as not
# fused). The MLPs of quantized linears are not fused into xfmr.mlp yet.
# The QDQ form's attention fuses with its scores and probabilities in f32
# (their round trips through 8 bits dropped); in the graph ONNX Runtime's
# optimizer makes of it (mode ort-opt), its products are QLinearMatMul on
# 8-bit tensors, which the attention fusion does not see through yet.
BLOCKS = {"int8": ({"attention": 2, "layer_norm": 5}, {}),
          "qdq": ({"attention": 2, "layer_norm": 5}, {}),
          "int4": ({"attention": 2, "layer_norm": 5}, {})}
NOT_FUSED_YET_BY_MODE = {"qdq": {"ort-opt": {"attention": 2}}}

# The compile modes of the models-vs-ORT test for each form. ort-opt runs
# the com.microsoft ops ONNX Runtime's optimizer makes of them
# (DynamicQuantizeMatMul and MatMulIntegerToFloat of the int8 form,
# QLinearMatMul of the QDQ form). The QDQ form leaves out the dynamic-dims
# compile (a minute, for the many QDQ pairs' shape arithmetic): the int8 form
# covers quantization with dynamic dims.
MODES = {"int8": ["static", "dynamic", "ort-opt", "avx2"],
         "qdq": ["static", "ort-opt", "avx2"],
         "int4": ["static", "dynamic", "ort-opt", "avx2"]}


def quantize_all(folder):
    """Writes the quantized models and their JSON into `folder`; returns one
    line per model."""
    logging.getLogger().setLevel(logging.WARNING)
    source = os.path.join(folder, SOURCE + ".onnx")
    with open(os.path.join(folder, SOURCE + ".json")) as f:
        source_spec = json.load(f)
    lines = []
    for form, (quantize, description) in FORMS.items():
        name = SOURCE.replace("bert", f"bert-{form}", 1)
        path = os.path.join(folder, name + ".onnx")
        quantize(source, path, source_spec)
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        # It must run in ONNX Runtime: the reference of the test.
        ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        spec = copy.deepcopy(source_spec)
        spec["model"] = os.path.basename(path)
        spec["description"] = (source_spec["description"] + "; quantized: " +
                               description)
        spec["opset"] = {(o.domain or "ai.onnx"): o.version
                         for o in model.opset_import}
        spec["producer"] = (f"{model.producer_name} "
                            f"{model.producer_version}").strip()
        spec["tolerance"] = TOLERANCES[form]
        spec["fused_blocks"], not_fused_yet = BLOCKS[form]
        if not_fused_yet:
            spec["not_fused_yet"] = not_fused_yet
        if form in NOT_FUSED_YET_BY_MODE:
            spec["not_fused_yet_by_mode"] = NOT_FUSED_YET_BY_MODE[form]
        spec["modes"] = MODES[form]
        with open(path[:-len(".onnx")] + ".json", "w") as f:
            json.dump(spec, f, indent=2)
            f.write("\n")
        lines.append(f"OK    {os.path.basename(path):32s} "
                     f"{os.path.getsize(path) / 1024:7.1f} KiB  "
                     f"{len(model.graph.node):4d} nodes")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.dirname(
        os.path.abspath(__file__)), help="the folder of the models")
    args = parser.parse_args()
    for line in quantize_all(args.out):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
