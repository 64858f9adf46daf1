"""Shared fixtures: the repository's test models and small ONNX graphs."""

import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

SOURCE_DIR = os.environ.get("XFMR_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(SOURCE_DIR, "test", "models")


@pytest.fixture(autouse=True, scope="session")
def _cache_dir(tmp_path_factory):
    # One compile cache for the session: tests that use one model compile it
    # once. Tests of the cache itself set their own.
    os.environ["XFMR_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


def model_path(name):
    return os.path.join(MODELS, name)


def add_relu_model(dynamic=True):
    """y = relu(x + b), x of shape [batch, 4] (batch symbolic)."""
    batch = "batch" if dynamic else 2
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 4])
    b = helper.make_tensor("b", TensorProto.FLOAT, [4],
                           [0.5, -1.0, 2.0, -3.0])
    nodes = [helper.make_node("Add", ["x", "b"], ["s"], name="add_bias"),
             helper.make_node("Relu", ["s"], ["y"], name="relu")]
    graph = helper.make_graph(nodes, "add_relu", [x], [y], [b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def add_relu_reference(x):
    return np.maximum(x + np.array([0.5, -1.0, 2.0, -3.0], np.float32), 0)


@pytest.fixture
def add_relu():
    return add_relu_model()
