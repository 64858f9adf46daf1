"""Writes a model with a 1 MiB weight (a 512x512 f32 MatMul) and a small
bias, an input for it and the expected output, to test the weights file
that a compiled model keeps beside its library.

    make_weights_model.py DIR   writes DIR/model.onnx, DIR/x.npy and
                                DIR/expected/y.npy
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    rng = np.random.default_rng(0)
    w = rng.standard_normal((512, 512), dtype=np.float32)
    b = rng.standard_normal((512,), dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="proj"),
         helper.make_node("Add", ["h", "b"], ["y"], name="bias")],
        "weights",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 512])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 512])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(out, "model.onnx"))
    x = rng.standard_normal((3, 512), dtype=np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "expected", "y.npy"),
            (x.astype(np.float64) @ w + b).astype(np.float32))


if __name__ == "__main__":
    main()
