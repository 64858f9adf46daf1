"""xfmr.compile, Model.run/inputs/outputs, save/load, the compile cache."""

import os

import numpy as np
import pytest

import xfmr
from conftest import add_relu_model, add_relu_reference, model_path


def test_import_needs_no_library_path():
    assert "LD_LIBRARY_PATH" not in os.environ or \
        "xfmr" not in os.environ["LD_LIBRARY_PATH"]
    assert os.path.dirname(xfmr.__file__).endswith(os.path.join("site-packages", "xfmr")) \
        or "XFMR_ALLOW_SOURCE" in os.environ


def test_compile_from_proto_bytes_and_path(add_relu, tmp_path):
    x = np.array([[1, 2, 3, 4], [-1, -2, -3, -4]], np.float32)
    path = tmp_path / "m.onnx"
    path.write_bytes(add_relu.SerializeToString())
    for source in (add_relu, add_relu.SerializeToString(), str(path), path):
        model = xfmr.compile(source, verbose=False)
        np.testing.assert_allclose(model.run({"x": x})["y"],
                                   add_relu_reference(x))


def test_inputs_outputs(add_relu):
    model = xfmr.compile(add_relu, verbose=False)
    (x,) = model.inputs
    assert (x.name, x.dtype, x.shape, x.dim_names) == \
        ("x", np.float32, (-1, 4), ("batch", ""))
    assert [o.name for o in model.outputs] == ["y"]
    bound = xfmr.compile(add_relu, dims={"batch": 3}, verbose=False)
    assert bound.inputs[0].shape == (3, 4)


def test_outputs_are_owned_arrays(add_relu):
    model = xfmr.compile(add_relu, verbose=False)
    x = np.ones((5, 4), np.float32)
    y = model.run({"x": x})["y"]
    y2 = model.run({"x": x})["y"]
    # Each run hands over fresh buffers, writable and freed with the array.
    assert y.flags.c_contiguous and y.flags.writeable
    y[:] = 0
    np.testing.assert_allclose(y2, add_relu_reference(x))


def test_non_contiguous_input(add_relu):
    model = xfmr.compile(add_relu, verbose=False)
    x = np.arange(40, dtype=np.float32).reshape(5, 8)[:, ::2]
    np.testing.assert_allclose(model.run({"x": x})["y"], add_relu_reference(x))


def test_save_and_load(add_relu, tmp_path):
    model = xfmr.compile(add_relu, verbose=False, cache=False)
    model.save(tmp_path / "saved.so")
    loaded = xfmr.load(tmp_path / "saved.so")
    x = np.ones((1, 4), np.float32)
    np.testing.assert_array_equal(loaded.run({"x": x})["y"],
                                  model.run({"x": x})["y"])


def test_cache_second_compile_is_a_hit(add_relu, tmp_path, monkeypatch):
    monkeypatch.setenv("XFMR_CACHE_DIR", str(tmp_path / "cache"))
    first = xfmr.compile(add_relu, verbose=False)
    cached = os.listdir(os.environ["XFMR_CACHE_DIR"])
    assert len(cached) == 1 and cached[0].endswith(".so")
    second = xfmr.compile(add_relu, verbose=False)
    assert second.path == first.path
    # Other options, another entry; cache=False leaves the cache alone.
    xfmr.compile(add_relu, dims={"batch": 2}, verbose=False)
    xfmr.compile(add_relu, verbose=False, cache=False)
    assert len(os.listdir(os.environ["XFMR_CACHE_DIR"])) == 2


def test_cache_key_holds_external_data(add_relu, tmp_path, monkeypatch):
    onnx = pytest.importorskip("onnx")
    monkeypatch.setenv("XFMR_CACHE_DIR", str(tmp_path / "cache"))
    path = str(tmp_path / "model.onnx")
    # External data holds raw bytes.
    (bias,) = add_relu.graph.initializer
    bias.CopyFrom(onnx.numpy_helper.from_array(
        onnx.numpy_helper.to_array(bias), bias.name))
    onnx.save(add_relu, path, save_as_external_data=True,
              location="model.weights", size_threshold=0)
    weights = tmp_path / "model.weights"
    x = np.ones((1, 4), np.float32)
    first = xfmr.compile(path, verbose=False)
    np.testing.assert_allclose(first.run({"x": x})["y"],
                               add_relu_reference(x))
    # The same model file with other weights of the same size: a new entry,
    # compiled with the new weights.
    weights.write_bytes(np.full(4, 7.0, np.float32).tobytes())
    second = xfmr.compile(path, verbose=False)
    assert second.path != first.path
    np.testing.assert_allclose(second.run({"x": x})["y"], x + 7.0)
    assert xfmr.compile(path, verbose=False).path == second.path


def test_bert_matches_onnxruntime():
    ort = pytest.importorskip("onnxruntime")
    path = model_path("bert.torchscript.onnx")
    rng = np.random.default_rng(0)
    feeds = {"input_ids": rng.integers(0, 100, (1, 8), dtype=np.int64),
             "attention_mask": np.ones((1, 8), np.int64)}
    model = xfmr.compile(path, dims={"batch": 1, "sequence": 8},
                         verbose=False)
    ours = model.run(feeds)
    theirs = ort.InferenceSession(path, providers=["CPUExecutionProvider"]
                                  ).run(None, feeds)
    for (name, value), expected in zip(ours.items(), theirs):
        np.testing.assert_allclose(value, expected, rtol=1e-3, atol=1e-4,
                                   err_msg=name)


def test_progress_on_stderr_only_when_verbose(add_relu, capfd):
    xfmr.compile(add_relu, verbose=False, cache=False)
    assert capfd.readouterr().err == ""
