#!/usr/bin/env python3
"""Writes an MLP-shaped ONNX model whose weights, in external data, exceed a
given size (default 2.5 GB), to measure the importer on models past
protobuf's 2 GB limit.

Usage: make_large_onnx.py OUT.onnx [--gigabytes 2.5] [--hidden 8192]
                          [--distinct-weights]

Every layer reuses one block of weights unless --distinct-weights is given
(slower to write): identical constants are merged by the compiler, so a
model that measures compile memory and library size needs distinct ones.
"""

import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--gigabytes", type=float, default=2.5)
    parser.add_argument("--hidden", type=int, default=8192)
    parser.add_argument("--distinct-weights", action="store_true")
    args = parser.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)

    h = args.hidden
    layer_bytes = h * h * 4
    layers = max(1, int(args.gigabytes * 2**30 / layer_bytes + 0.999))
    data_name = os.path.basename(args.out) + ".data"
    data_path = os.path.join(os.path.dirname(os.path.abspath(args.out)), data_name)

    nodes, inits = [], []
    x = "x"
    rng = np.random.default_rng(0)
    block = rng.standard_normal((h, h), dtype=np.float32)  # reused: fast to write
    with open(data_path, "wb") as f:
        for i in range(layers):
            name = f"layers.{i}.weight"
            offset = f.tell()
            if args.distinct_weights and i > 0:
                block = rng.standard_normal((h, h), dtype=np.float32)
            block.tofile(f)
            t = onnx.TensorProto()
            t.name = name
            t.data_type = TensorProto.FLOAT
            t.dims.extend([h, h])
            t.data_location = TensorProto.EXTERNAL
            for key, value in (("location", data_name), ("offset", str(offset)),
                               ("length", str(layer_bytes))):
                entry = t.external_data.add()
                entry.key, entry.value = key, value
            inits.append(t)
            y = f"h{i}"
            nodes.append(helper.make_node("MatMul", [x, name], [f"m{i}"], name=f"matmul_{i}"))
            nodes.append(helper.make_node("Relu", [f"m{i}"], [y], name=f"relu_{i}"))
            x = y
    graph = helper.make_graph(
        nodes, "large_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", h])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", h])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    with open(args.out, "wb") as f:
        f.write(model.SerializeToString())
    total = os.path.getsize(data_path)
    print(f"{args.out}: {layers} layers of {h}x{h} f32, {total / 2**30:.2f} GiB of external data")


if __name__ == "__main__":
    main()
