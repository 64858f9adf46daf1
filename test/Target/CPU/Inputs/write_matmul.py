"""Writes matmul.onnx into the folder argv[1]: y = x @ W + b with x
[rows, 67] (rows dynamic), a random constant W [67, 48] and bias b [48]; K
odd and N not a multiple of a panel, for the bf16 matmul tests."""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)
weight = rng.uniform(-1, 1, (67, 48)).astype(np.float32)
bias = rng.uniform(-1, 1, (48,)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "W"], ["xw"]),
     helper.make_node("Add", ["xw", "b"], ["y"])],
    "matmul",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["rows", 67])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", 48])],
    [numpy_helper.from_array(weight, "W"), numpy_helper.from_array(bias, "b")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, os.path.join(sys.argv[1], "matmul.onnx"))
