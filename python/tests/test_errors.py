"""Errors are Python exceptions naming the node or the input."""

import numpy as np
import pytest
from onnx import TensorProto, helper

import xfmr


def test_input_errors(add_relu):
    model = xfmr.compile(add_relu, dims={"batch": 2}, verbose=False)
    with pytest.raises(xfmr.InputError, match=r"input 'x'.*float32.*int64"):
        model.run({"x": np.ones((2, 4), np.int64)})
    with pytest.raises(ValueError, match=r"'x'.*\[2,4\].*given.*\[3,4\]"):
        model.run({"x": np.ones((3, 4), np.float32)})
    with pytest.raises(xfmr.InputError, match="no input 'z'"):
        model.run({"z": np.ones((2, 4), np.float32)})
    with pytest.raises(xfmr.InputError, match="'x'"):
        model.run({})


def test_compile_error_names_node_and_op():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 2])
    # A Reshape to a shape with the wrong element count.
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [4, 2])
    node = helper.make_node("Reshape", ["x", "shape"], ["y"],
                            name="bad_reshape")
    model = helper.make_model(
        helper.make_graph([node], "g", [x], [y], [shape]),
        opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(xfmr.CompileError) as caught:
        xfmr.compile(model, verbose=False)
    assert caught.value.node == "bad_reshape"
    assert caught.value.op == "Reshape"
    assert "bad_reshape" in str(caught.value) or caught.value.errors


def test_unsupported_target_is_a_compile_error(add_relu):
    with pytest.raises(xfmr.CompileError, match="no-such-target"):
        xfmr.compile(add_relu, target="no-such-target", verbose=False)


def test_bad_arguments(add_relu, tmp_path):
    with pytest.raises(FileNotFoundError):
        xfmr.compile(str(tmp_path / "missing.onnx"))
    with pytest.raises(TypeError):
        xfmr.compile(42)
    with pytest.raises(ValueError):
        xfmr.compile(add_relu, dims={"batch": -1})
    with pytest.raises(xfmr.CompileError):
        xfmr.compile(b"not a model", verbose=False)
    with pytest.raises(xfmr.RunError):
        xfmr.load(str(tmp_path / "missing.so"))
