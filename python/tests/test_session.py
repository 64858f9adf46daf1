"""xfmr.InferenceSession against onnxruntime.InferenceSession."""

import numpy as np
import pytest

import xfmr
from conftest import model_path

ort = pytest.importorskip("onnxruntime")


def test_node_args_match(add_relu):
    theirs = ort.InferenceSession(add_relu.SerializeToString(),
                                  providers=["CPUExecutionProvider"])
    ours = xfmr.InferenceSession(add_relu, verbose=False)
    assert [(a.name, a.type, a.shape) for a in ours.get_inputs()] == \
        [(a.name, a.type, a.shape) for a in theirs.get_inputs()]
    # Dynamic output dims keep the file's names, as in ONNX Runtime.
    assert [(a.name, a.type, a.shape) for a in ours.get_outputs()] == \
        [(a.name, a.type, a.shape) for a in theirs.get_outputs()]
    assert ours.get_outputs()[0].shape == ["batch", 4]


def test_session_is_a_drop_in():
    path = model_path("gpt2.torchscript.onnx")
    theirs = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    # Static dims keep the compile short; the session takes compile options.
    ours = xfmr.InferenceSession(path, providers=["CPUExecutionProvider"],
                                 dims={"batch": 2, "sequence": 7},
                                 verbose=False)
    assert [(i.name, i.type) for i in ours.get_inputs()] == \
        [(i.name, i.type) for i in theirs.get_inputs()]
    assert [o.name for o in ours.get_outputs()] == \
        [o.name for o in theirs.get_outputs()]

    rng = np.random.default_rng(1)
    feeds = {i.name: rng.integers(0, 100, (2, 7), dtype=np.int64)
             if "ids" in i.name else np.ones((2, 7), np.int64)
             for i in theirs.get_inputs()}
    for names in (None, [theirs.get_outputs()[0].name]):
        expected = theirs.run(names, feeds)
        actual = ours.run(names, feeds)
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            np.testing.assert_allclose(a, e, rtol=1e-3, atol=1e-4)
    with pytest.raises(xfmr.InputError, match="no output 'nope'"):
        ours.run(["nope"], feeds)
