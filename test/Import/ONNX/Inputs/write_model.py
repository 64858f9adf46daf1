"""Writes binary ONNX models that the importer tests need.

Usage: write_model.py KIND OUT
  KIND: empty, garbage, truncated, external, missing-external, big-weights,
        sequence-io
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def matmul_model(weight, weight_in_file=None):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 8])
    w = numpy_helper.from_array(weight, "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"],
                                                name="proj")],
                              "g", [x], [y], [w])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def sequence_io_model():
    """Sequence and optional graph inputs and outputs: y is the sequence xs
    with t appended, n its length, z what the optional o holds (t if
    empty)."""
    float_tensor = helper.make_tensor_type_proto(TensorProto.FLOAT, None)
    xs = helper.make_value_info("xs", helper.make_sequence_type_proto(
        helper.make_tensor_type_proto(TensorProto.FLOAT, [2])))
    t = helper.make_tensor_value_info("t", TensorProto.FLOAT, [2])
    o = helper.make_value_info("o", helper.make_optional_type_proto(
        helper.make_tensor_type_proto(TensorProto.FLOAT, [2])))
    y = helper.make_value_info("y", helper.make_sequence_type_proto(
        float_tensor))
    n = helper.make_tensor_value_info("n", TensorProto.INT64, [])
    z = helper.make_tensor_value_info("z", TensorProto.FLOAT, [2])
    has = helper.make_node("OptionalHasElement", ["o"], ["has"])
    pick = helper.make_node(
        "If", ["has"], ["z"],
        then_branch=helper.make_graph(
            [helper.make_node("OptionalGetElement", ["o"], ["v"])],
            "some", [], [helper.make_tensor_value_info(
                "v", TensorProto.FLOAT, [2])]),
        else_branch=helper.make_graph(
            [helper.make_node("Identity", ["t"], ["w"])],
            "none", [], [helper.make_tensor_value_info(
                "w", TensorProto.FLOAT, [2])]))
    graph = helper.make_graph(
        [helper.make_node("SequenceInsert", ["xs", "t"], ["y"]),
         helper.make_node("SequenceLength", ["y"], ["n"]), has, pick],
        "sequence_io", [xs, t, o], [y, n, z])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def main():
    kind, out = sys.argv[1], sys.argv[2]
    weight = np.arange(128, dtype=np.float32).reshape(16, 8) / 128
    model = matmul_model(weight)
    if kind == "empty":
        open(out, "wb").close()
    elif kind == "garbage":
        with open(out, "wb") as f:
            f.write(b"\x08\x96\x01" + bytes(range(256)) * 4)
    elif kind == "truncated":
        data = model.SerializeToString()
        with open(out, "wb") as f:
            f.write(data[: len(data) // 2])
    elif kind in ("external", "missing-external"):
        # Weights in a file beside the model, at a non-zero offset.
        onnx.save_model(model, out, save_as_external_data=True,
                        all_tensors_to_one_file=True,
                        location=os.path.basename(out) + ".data",
                        size_threshold=0)
        if kind == "missing-external":
            os.remove(out + ".data")
    elif kind == "big-weights":
        onnx.save_model(model, out)
    elif kind == "sequence-io":
        onnx.save_model(sequence_io_model(), out)
    else:
        sys.exit(f"unknown kind {kind}")


if __name__ == "__main__":
    main()
